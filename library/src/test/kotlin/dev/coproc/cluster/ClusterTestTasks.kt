package dev.coproc.cluster

import dev.coproc.Event
import dev.coproc.Task
import dev.coproc.TaskFunction
import dev.coproc.currentProcess
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.withTimeout
import org.apache.ignite.IgniteState
import org.apache.ignite.Ignition
import org.apache.ignite.failure.FailureContext
import org.apache.ignite.failure.FailureType
import org.apache.ignite.internal.IgniteEx
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

/**
 * Starts a server node, reports a critical failure to Ignite's failure handling (as a corrupted internal state
 * would), and returns how the node ended up, from the same JVM, which must still be running to answer.
 */
@Serializable
class FailANode(val discoveryPort: Int, val communicationPort: Int) : Task<String> {
    override suspend fun run(): String {
        val settings = ClusterSettings.builder().discoveryPort(discoveryPort).discoveryPortRange(20).communicationPort(communicationPort).build()
        val node = ClusterNode.startServer(settings)
        val stopped = CompletableDeferred<Unit>()
        Ignition.addListener { name, state -> if (name == node.name && state != IgniteState.STARTED) stopped.complete(Unit) }
        (node.ignite as IgniteEx).context().failure().process(FailureContext(FailureType.CRITICAL_ERROR, IllegalStateException("injected")))
        withTimeout(60.seconds) { stopped.await() }
        node.close()
        return Ignition.state(node.name).name
    }
}
