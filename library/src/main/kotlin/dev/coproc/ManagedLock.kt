package dev.coproc

import dev.coproc.internal.manager.ManagerWire
import dev.coproc.internal.blockingCall
import kotlin.time.Duration
import kotlinx.serialization.Serializable
import kotlinx.serialization.Transient

/**
 * A lock owned by a [Manager]: Python's `Manager().Lock()`, and the manager's [SharedLock]. Held by a process
 * (any of its coroutines may release it, as with Python's `Lock`); a process that ends holding it does not
 * leave it locked: the next holder takes it with [previousOwnerDied] true. A waiting [acquire] waits in the
 * manager, with the caller suspended; [tryAcquire], [release] and [isLocked] are one round trip to the
 * manager that blocks the calling thread for its length, as on a cluster.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable(with = ManagedLockSerializer::class)
public class ManagedLock internal constructor(internal val ref: ManagedRef) : SharedLock {
    /** For the holder: true when this proxy's last acquire took the lock over from a process that died holding it. */
    @Transient @Volatile
    override var previousOwnerDied: Boolean = false
        private set

    override val isLocked: Boolean get() = blockingCall { ManagerWire.boolean(ref.call("isLocked", NO_HOLDER).single()) }

    override suspend fun acquire(timeout: Duration): Boolean = ref.acquireLock(NO_HOLDER, timeout) { previousOwnerDied = it }

    override fun tryAcquire(): Boolean = blockingCall { acquire(Duration.ZERO) }

    /**
     * Frees the lock.
     *
     * @throws IllegalStateException when this process does not hold it
     */
    override fun release() {
        blockingCall { ref.call("release", NO_HOLDER) }
    }

    override fun toString(): String = ref.describe("ManagedLock")

    internal companion object {
        val NO_HOLDER = ManagerWire.of(0L)
    }
}

/**
 * A lock's acquire for [holder]: true if taken, then [taken] learns whether its last holder died holding it.
 * A cancelled acquire that the manager had already granted is released again.
 */
internal suspend inline fun ManagedRef.acquireLock(holder: ByteArray, timeout: Duration, taken: (previousOwnerDied: Boolean) -> Unit): Boolean {
    val answer = waitingCall("acquire", holder, ManagerWire.of(ManagedRef.millis(timeout))) { late ->
        if (ManagerWire.boolean(late[0])) call("release", holder)
    }
    val acquired = ManagerWire.boolean(answer[0])
    if (acquired) taken(ManagerWire.boolean(answer[1]))
    return acquired
}

internal object ManagedLockSerializer : ManagedProxySerializer<ManagedLock>("dev.coproc.ManagedLock", emptyList(), ::ManagedLock, { it.ref })
