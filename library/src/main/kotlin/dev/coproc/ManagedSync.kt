package dev.coproc

import dev.coproc.internal.ManagerWire
import dev.coproc.internal.blockingCall
import dev.coproc.internal.javaFuture
import dev.coproc.internal.toTimeout
import java.util.concurrent.CompletableFuture
import kotlin.time.Duration
import kotlin.time.TimeSource
import kotlinx.serialization.Serializable
import kotlinx.serialization.Transient

/**
 * A lock owned by a [Manager]: Python's `Manager().Lock()`. Held by a process (any of its coroutines may
 * release it, as with Python's `Lock`); a process that ends holding it does not leave it locked: the next
 * holder takes it with [previousOwnerDied] true. Waiting happens in the manager, with the caller suspended.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable
public class ManagedLock internal constructor(internal val ref: ManagedRef) {
    /** For the holder: true when this proxy's last acquire took the lock over from a process that died holding it. */
    @Transient @Volatile
    public var previousOwnerDied: Boolean = false
        private set

    /** Takes the lock, waiting up to [timeout]; false if it was not free in time. A cancelled acquire takes nothing. */
    public suspend fun acquire(timeout: Duration = Duration.INFINITE): Boolean =
        ref.acquireLock(NO_HOLDER, timeout) { previousOwnerDied = it }

    /** Java: [acquire], waiting at most [timeout] (null: no limit). */
    public fun acquireAsync(timeout: java.time.Duration?): CompletableFuture<Boolean> = javaFuture { acquire(timeout.toTimeout()) }

    /** Java: blocking [acquire]. */
    public fun acquireBlocking(timeout: java.time.Duration?): Boolean = blockingCall { acquire(timeout.toTimeout()) }

    /** Takes the lock if it is free now. */
    public suspend fun tryAcquire(): Boolean = acquire(Duration.ZERO)

    /**
     * Frees the lock.
     *
     * @throws IllegalStateException when this process does not hold it
     */
    public suspend fun release() {
        ref.call("release", NO_HOLDER)
    }

    public suspend fun isLocked(): Boolean = ManagerWire.boolean(ref.call("isLocked", NO_HOLDER).single())

    override fun toString(): String = ref.describe("ManagedLock")

    internal companion object {
        val NO_HOLDER = ManagerWire.of(0L)
    }
}

/**
 * A lock's acquire for [holder]: true if taken, then [taken] learns whether its last holder died holding it.
 * A cancelled acquire that the manager had already granted is released again.
 */
private suspend inline fun ManagedRef.acquireLock(holder: ByteArray, timeout: Duration, taken: (previousOwnerDied: Boolean) -> Unit): Boolean {
    val answer = waitingCall("acquire", holder, ManagerWire.of(ManagedRef.millis(timeout))) { late ->
        if (ManagerWire.boolean(late[0])) call("release", holder)
    }
    val acquired = ManagerWire.boolean(answer[0])
    if (acquired) taken(ManagerWire.boolean(answer[1]))
    return acquired
}

/** Runs [block] holding the lock, releasing it however [block] ends. */
public suspend inline fun <R> ManagedLock.withLock(block: () -> R): R {
    acquire()
    try {
        return block()
    } finally {
        release()
    }
}

/**
 * A re-entrant lock owned by a [Manager]: Python's `Manager().RLock()`. Its holder is a coroutine, as for
 * the local [RLock] (scoping functions count as their caller); it may take it again, and must release it as
 * many times. A process that ends holding it frees it, and the next holder sees [previousOwnerDied].
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable
public class ManagedRLock internal constructor(internal val ref: ManagedRef) {
    /** For the holder: true when this proxy's last acquire took the lock over from a process that died holding it. */
    @Transient @Volatile
    public var previousOwnerDied: Boolean = false
        private set

    /** Takes the lock (once more, if this coroutine holds it), waiting up to [timeout]; false if not taken in time. */
    public suspend fun acquire(timeout: Duration = Duration.INFINITE): Boolean =
        ref.acquireLock(ManagerWire.of(ManagedRef.holderId()), timeout) { previousOwnerDied = it }

    /**
     * Releases one level of this coroutine's holding; the last one frees it.
     *
     * @throws IllegalStateException when this coroutine does not hold it
     */
    public suspend fun release() {
        ref.call("release", ManagerWire.of(ManagedRef.holderId()))
    }

    /** How many times the calling coroutine holds it now. */
    public suspend fun holdCount(): Int = ManagerWire.int(ref.call("holdCount", ManagerWire.of(ManagedRef.holderId())).single())

    override fun toString(): String = ref.describe("ManagedRLock")
}

/** Runs [block] holding the lock (re-entrantly), releasing one level however [block] ends. */
public suspend inline fun <R> ManagedRLock.withLock(block: () -> R): R {
    acquire()
    try {
        return block()
    } finally {
        release()
    }
}

/**
 * A semaphore owned by a [Manager]: Python's `Manager().Semaphore()` and, made by
 * [Manager.boundedSemaphore], `BoundedSemaphore()` (releasing above the initial value is an error).
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable
public class ManagedSemaphore internal constructor(internal val ref: ManagedRef) {
    /** Takes a permit, waiting up to [timeout]; false if none came in time. A cancelled acquire takes nothing. */
    public suspend fun acquire(timeout: Duration = Duration.INFINITE): Boolean {
        val answer = ref.waitingCall("acquire", ManagerWire.of(ManagedRef.millis(timeout))) { taken ->
            if (ManagerWire.boolean(taken[0])) ref.call("release", ManagerWire.of(1))
        }
        return ManagerWire.boolean(answer[0])
    }

    /** Java: [acquire], waiting at most [timeout] (null: no limit). */
    public fun acquireAsync(timeout: java.time.Duration?): CompletableFuture<Boolean> = javaFuture { acquire(timeout.toTimeout()) }

    /** Java: blocking [acquire]. */
    public fun acquireBlocking(timeout: java.time.Duration?): Boolean = blockingCall { acquire(timeout.toTimeout()) }

    public suspend fun tryAcquire(): Boolean = acquire(Duration.ZERO)

    /**
     * Gives [permits] back.
     *
     * @throws IllegalStateException for a bounded semaphore released above its initial value
     */
    public suspend fun release(permits: Int = 1) {
        require(permits > 0) { "permits must be positive, not $permits" }
        ref.call("release", ManagerWire.of(permits))
    }

    /** The permits free now. */
    public suspend fun value(): Int = ManagerWire.int(ref.call("value").single())

    override fun toString(): String = ref.describe("ManagedSemaphore")
}

/** Runs [block] holding a permit, given back however [block] ends. */
public suspend inline fun <R> ManagedSemaphore.withPermit(block: () -> R): R {
    acquire()
    try {
        return block()
    } finally {
        release()
    }
}

/**
 * An event owned by a [Manager]: Python's `Manager().Event()`.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable
public class ManagedEvent internal constructor(internal val ref: ManagedRef) {
    public suspend fun set() {
        ref.call("set")
    }

    public suspend fun clear() {
        ref.call("clear")
    }

    public suspend fun isSet(): Boolean = ManagerWire.boolean(ref.call("isSet").single())

    /** Waits up to [timeout] for the event to be set; true if it is. */
    public suspend fun wait(timeout: Duration = Duration.INFINITE): Boolean =
        ManagerWire.boolean(ref.waitingCall("wait", ManagerWire.of(ManagedRef.millis(timeout))).single())

    /** Java: [wait], at most [timeout] (null: no limit). */
    public fun waitAsync(timeout: java.time.Duration?): CompletableFuture<Boolean> = javaFuture { wait(timeout.toTimeout()) }

    /** Java: blocking [wait]. */
    public fun waitBlocking(timeout: java.time.Duration?): Boolean = blockingCall { wait(timeout.toTimeout()) }

    override fun toString(): String = ref.describe("ManagedEvent")
}

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
) {
    /** Takes the condition's lock. */
    public suspend fun acquire(timeout: Duration = Duration.INFINITE): Boolean = lock?.acquire(timeout) ?: rLock!!.acquire(timeout)

    /** Releases the condition's lock (one level of an RLock). */
    public suspend fun release() {
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

/** Runs [block] holding the condition's lock, released however [block] ends. */
public suspend inline fun <R> ManagedCondition.withLock(block: () -> R): R {
    acquire()
    try {
        return block()
    } finally {
        release()
    }
}

/**
 * A barrier for [parties] parties owned by a [Manager]: Python's `Manager().Barrier()`. Every party's [wait]
 * returns once all have arrived.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable
public class ManagedBarrier internal constructor(internal val ref: ManagedRef, public val parties: Int) {
    /**
     * Arrives and waits for the other parties, at most [timeout]; returns this party's arrival index (0 for
     * the first, `parties - 1` for the last).
     *
     * @throws BrokenBarrierException when the barrier is or becomes broken, is reset while waiting, or the
     *   timeout passes (which breaks it for the others too); a cancelled wait breaks it as well
     */
    public suspend fun wait(timeout: Duration = Duration.INFINITE): Int =
        ManagerWire.int(ref.waitingCall("wait", ManagerWire.of(ManagedRef.millis(timeout))).single())

    /** Java: [wait], at most [timeout] (null: no limit). */
    public fun waitAsync(timeout: java.time.Duration?): CompletableFuture<Int> = javaFuture { wait(timeout.toTimeout()) }

    /** Java: blocking [wait]. */
    public fun waitBlocking(timeout: java.time.Duration?): Int = blockingCall { wait(timeout.toTimeout()) }

    /** Breaks the barrier: waiting parties and later waits fail with [BrokenBarrierException] until [reset]. */
    public suspend fun abort() {
        ref.call("abort")
    }

    /** Makes it whole and empty again; parties waiting now fail with [BrokenBarrierException]. */
    public suspend fun reset() {
        ref.call("reset")
    }

    /** How many parties wait now. */
    public suspend fun waiting(): Int = ManagerWire.int(ref.call("waiting").single())

    public suspend fun isBroken(): Boolean = ManagerWire.boolean(ref.call("isBroken").single())

    override fun toString(): String = ref.describe("ManagedBarrier")
}
