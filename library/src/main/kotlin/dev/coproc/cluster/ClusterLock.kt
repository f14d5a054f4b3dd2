package dev.coproc.cluster

import dev.coproc.internal.handles.RemoteHandle
import dev.coproc.SharedLock
import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import org.apache.ignite.IgniteAtomicReference
import org.apache.ignite.IgniteSemaphore

/**
 * A [SharedLock] held by the cluster, which a holder's death does not leave locked: when the node holding it
 * dies or leaves, the lock passes to the next acquirer, which finds [previousOwnerDied] true.
 *
 * Built on an Ignite failover-safe semaphore of one permit (Ignite's own lock belongs to the thread that took
 * it, which a coroutine does not keep) and a record of the holder, written once the lock is taken and cleared
 * before it is released: a record still there when the lock is taken was left by a holder that died.
 *
 * It is released on the node that took it (the local [dev.coproc.Lock] may be released by any process): Ignite
 * counts each node's permits to give back those of a node that dies, so a permit taken on one node and given
 * back on another would come back a second time when the first node left, and let two holders in.
 */
public class ClusterLock internal constructor(
    private val permit: IgniteSemaphore,
    private val holder: IgniteAtomicReference<String>,
    private val holderName: String,
    internal val handle: RemoteHandle,
) : SharedLock {
    @Volatile private var tookOverFromTheDead = false

    /** The name it was made with: the same name on any node is the same lock. */
    public val name: String get() = handle.name

    override val isLocked: Boolean get() = clusterCall("read lock \"$name\"") { permit.availablePermits() == 0 }

    /** Who holds the lock now (a node and its pid), or null. */
    public val owner: String? get() = clusterCall("read lock \"$name\"") { holder.get() }

    override val previousOwnerDied: Boolean get() = tookOverFromTheDead

    override suspend fun acquire(timeout: Duration): Boolean {
        awaitInSlices("acquire lock \"$name\"", timeout, { slice -> permit.tryAcquire(slice, TimeUnit.MILLISECONDS).takeIf { it } }) {
            permit.release()
        } ?: return false
        recordHolder()
        return true
    }

    override fun tryAcquire(): Boolean {
        if (!clusterCall("acquire lock \"$name\"") { permit.tryAcquire() }) return false
        recordHolder()
        return true
    }

    /**
     * Releases the lock, waking a waiter.
     *
     * @throws IllegalStateException when the lock is not locked, or is held through another node
     */
    override fun release() {
        check(isLocked) { "release() of a ClusterLock that is not locked" }
        val owner = owner
        check(owner == holderName) { "release() of ClusterLock \"$name\" on a node that does not hold it: it is held by ${owner ?: "a node taking it now"}" }
        clusterCall("release lock \"$name\"") {
            tookOverFromTheDead = false
            holder.set(null)
            permit.release()
        }
    }

    /** Removes the lock from the cluster, for every node. */
    public fun remove() {
        clusterCall("remove lock \"$name\"") {
            permit.close()
            holder.close()
        }
    }

    private fun recordHolder() {
        clusterCall("acquire lock \"$name\"") {
            tookOverFromTheDead = holder.get() != null
            holder.set(holderName)
        }
    }

    override fun toString(): String = "ClusterLock($name)"
}
