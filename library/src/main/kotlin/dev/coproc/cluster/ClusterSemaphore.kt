package dev.coproc.cluster

import dev.coproc.internal.handles.RemoteHandle
import dev.coproc.SharedSemaphore
import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import org.apache.ignite.IgniteSemaphore

/**
 * A [SharedSemaphore] held by the cluster (an Ignite failover-safe semaphore): the permits a node held when it
 * died or left come back to the others. Made by [ClusterNode.semaphore].
 *
 * Ignite counts the permits each node took: give a permit back on the node that took it.
 */
public class ClusterSemaphore internal constructor(
    private val semaphore: IgniteSemaphore,
    internal val handle: RemoteHandle,
) : SharedSemaphore {
    /** The name it was made with: the same name on any node is the same semaphore. */
    public val name: String get() = handle.name

    override val value: Long get() = clusterCall("read semaphore \"$name\"") { semaphore.availablePermits().toLong() }

    override suspend fun acquire(timeout: Duration): Boolean =
        awaitInSlices("acquire semaphore \"$name\"", timeout, { slice -> semaphore.tryAcquire(slice, TimeUnit.MILLISECONDS).takeIf { it } }) {
            semaphore.release()
        } != null

    override fun tryAcquire(): Boolean = clusterCall("acquire semaphore \"$name\"") { semaphore.tryAcquire() }

    override fun release(permits: Int) {
        require(permits >= 1) { "permits must be at least 1: $permits" }
        clusterCall("release semaphore \"$name\"") { semaphore.release(permits) }
    }

    /** Gives back one permit; for Java callers, who see no default arguments. */
    public fun release() {
        release(1)
    }

    /** Removes the semaphore from the cluster, for every node. */
    public fun remove() {
        clusterCall("remove semaphore \"$name\"") { semaphore.close() }
    }

    override fun toString(): String = "ClusterSemaphore($name)"
}
