package dev.coproc

import dev.coproc.internal.manager.ManagerWire
import kotlin.time.Duration
import kotlin.time.TimeSource
import kotlinx.serialization.Serializable

/**
 * A condition variable owned by a [Manager], over a [ManagedLock] or [ManagedRLock] of the same manager:
 * Python's `Manager().Condition()`. [wait] lets go of the lock, waits for a [notify], and takes the lock back
 * before it returns, even when it timed out or was cancelled.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable
public class ManagedCondition internal constructor(
    internal val ref: ManagedRef,
    internal val lock: ManagedLock? = null,
    internal val rLock: ManagedRLock? = null,
) : CoroutineLock {
    /** Takes the condition's lock. */
    override suspend fun acquire(timeout: Duration): Boolean = lock?.acquire(timeout) ?: rLock!!.acquire(timeout)

    /** Releases the condition's lock (one level of an RLock). */
    override suspend fun release() {
        lock?.release() ?: rLock!!.release()
    }

    /**
     * Lets go of the lock, waits up to [timeout] for a notification, and takes the lock back; true if notified.
     *
     * @throws IllegalStateException when the caller does not hold the lock
     */
    public suspend fun wait(timeout: Duration = Duration.INFINITE): Boolean =
        ManagerWire.boolean(ref.waitingCall("wait", holder(), ManagerWire.of(ManagedRef.millis(timeout))).single())

    /** Waits until [predicate] holds (checked with the lock held), at most [timeout]; returns its last value. */
    public suspend fun waitFor(timeout: Duration = Duration.INFINITE, predicate: suspend () -> Boolean): Boolean {
        val deadline = TimeSource.Monotonic.markNow() + timeout
        while (!predicate()) {
            val left = if (timeout == Duration.INFINITE) Duration.INFINITE else -deadline.elapsedNow()
            if (left <= Duration.ZERO) return predicate()
            wait(left)
        }
        return true
    }

    /** Wakes up to [n] waiters. @throws IllegalStateException when the caller does not hold the lock */
    public suspend fun notify(n: Int = 1) {
        ref.call("notify", holder(), ManagerWire.of(n))
    }

    /** Wakes every waiter. @throws IllegalStateException when the caller does not hold the lock */
    public suspend fun notifyAll() {
        ref.call("notifyAll", holder())
    }

    private suspend fun holder(): ByteArray = if (rLock != null) ManagerWire.of(ManagedRef.holderId()) else ManagedLock.NO_HOLDER

    override fun toString(): String = ref.describe("ManagedCondition")
}
