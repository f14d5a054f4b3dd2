package dev.coproc.demo

import dev.coproc.Event
import dev.coproc.Process
import dev.coproc.Task
import dev.coproc.TaskFunction
import dev.coproc.WorkerOptions
import dev.coproc.cluster.ClusterNode
import dev.coproc.cluster.ClusterSettings
import dev.coproc.cluster.clusterPool
import dev.coproc.currentProcess
import kotlinx.coroutines.awaitCancellation
import kotlinx.serialization.Serializable

/** Runs a cluster server node in the process that runs it, until that process is stopped. */
@Serializable
class ClusterServer(val discoveryPort: Int, val communicationPort: Int, val ready: Event) : Task<Unit> {
    override suspend fun run() {
        val settings = ClusterSettings.builder().discoveryPort(discoveryPort).communicationPort(communicationPort).build()
        ClusterNode.startServer(settings).use {
            ready.set()
            awaitCancellation()
        }
    }
}

/** The seeds' CPU-bound work on [item] millions; answers the item (to check the order) and the pid that did it. */
@Serializable
object BurnWhere : TaskFunction<Int, Pair<Int, Long>> {
    override suspend fun run(item: Int): Pair<Int, Long> {
        Burn.burn(item)
        return item to currentProcess().pid
    }
}

/**
 * `demo cluster`: a three-node Apache Ignite cluster on this machine (a node in this JVM, two in child JVMs
 * started with coproc's Process API), the CPU-bound map run on it, one child node killed midway, the map still
 * complete: the same `map`/`imap` as a local pool, on `clusterPool` instead of `processPool`.
 */
object ClusterExample {
    private const val ITEMS = 36

    suspend fun run() {
        val settings = ClusterSettings.DEFAULT
        ClusterNode.startServer(settings).use { local ->
            val ready = List(2) { Event() }
            val nodeOptions = WorkerOptions { jvmArgs(*ClusterNode.JVM_FLAGS.toTypedArray()) }
            val children = ready.map { Process(ClusterServer(settings.discoveryPort, settings.communicationPort, it), options = nodeOptions).also { p -> p.start() } }
            try {
                ready.forEach { it.wait() }
                println("cluster of ${local.serverCount()} server nodes: this JVM (pid ${currentProcess().pid}) and children ${children.map { it.pid }}")
                val victim = children[0]
                val perNode = sortedMapOf<Long, Int>()
                val items = List(ITEMS) { 20 + it % 3 }
                val results = mutableListOf<Int>()
                clusterPool(local, parallelism = 3) {
                    imap(items, BurnWhere).collect { (item, pid) ->
                        results += item
                        perNode[pid] = (perNode[pid] ?: 0) + 1
                        if (pid == victim.pid && perNode[pid] == 3) {
                            victim.kill()
                            println("killed the node in pid $pid (SIGKILL) after its 3rd result; its jobs run again elsewhere")
                        }
                    }
                }
                println("tasks per node (pid: results): $perNode")
                println("all $ITEMS results arrived once, in order: ${results == items}; servers left: ${local.serverCount()}")
            } finally {
                children.forEach { if (it.isAlive) it.terminate() }
                children.forEach { it.join() }
                ready.forEach { it.close() }
            }
        }
    }
}
