package dev.coproc.cluster

import dev.coproc.Event
import dev.coproc.Task
import dev.coproc.TaskFunction
import dev.coproc.currentProcess
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.serialization.Serializable

/** Runs a cluster server node in the process that runs it, on the given ports, until the process ends. */
@Serializable
class ServeAsClusterNode(val discoveryPort: Int, val communicationPort: Int, val ready: Event) : Task<Unit> {
    override suspend fun run() {
        val settings = ClusterSettings.builder().discoveryPort(discoveryPort).discoveryPortRange(20).communicationPort(communicationPort).build()
        ClusterNode.startServer(settings).use {
            ready.set()
            awaitCancellation()
        }
    }
}

/** The square of an item and the pid of the process that computed it, a little slowly. */
@Serializable
class SquareWithPid(val millis: Long) : TaskFunction<Int, Pair<Int, Long>> {
    override suspend fun run(item: Int): Pair<Int, Long> {
        delay(millis)
        return item * item to currentProcess().pid
    }
}

/**
 * Runs a cluster server node that takes the lock and the one permit of the semaphore named [held], then says
 * [ready] and holds them until the process ends.
 */
@Serializable
class HoldAsClusterNode(val discoveryPort: Int, val communicationPort: Int, val held: String, val ready: Event) : Task<Unit> {
    override suspend fun run() {
        val settings = ClusterSettings.builder().discoveryPort(discoveryPort).discoveryPortRange(20).communicationPort(communicationPort).build()
        ClusterNode.startServer(settings).use { node ->
            node.lock(held).acquire()
            node.semaphore(held, 1).acquire()
            ready.set()
            awaitCancellation()
        }
    }
}
