package dev.coproc

import dev.coproc.internal.awaitAttempt
import dev.coproc.internal.blockOnAttempt
import dev.coproc.internal.toTimeoutNanos
import dev.coproc.internal.shm.RobustLock
import dev.coproc.internal.shm.SharedSegment
import kotlin.time.Duration
import kotlinx.serialization.Serializable

/**
 * A lock shared by every process holding it: Python's `multiprocessing.Lock`, with a suspending [acquire]
 * and one thing Python's lacks: **a process that dies holding it does not leave it locked.** The next
 * acquirer, in any process, takes it over and finds [previousOwnerDied] true (as a robust pthread mutex's
 * `EOWNERDEAD`), so it can repair what the dead holder left half-done.
 *
 * ```
 * val lock = Lock()
 * lock.withLock { tickets.value -= 1 }
 * ```
 * It belongs to no thread or coroutine: any process may [release] it, as in Python. For re-entrant use, see
 * [RLock]. Uncontended, acquiring is one compare-and-set on shared memory; a contended acquire spins briefly,
 * then suspends; a dead owner is noticed within about 20 ms of waiting.
 */
@Serializable(with = LockSerializer::class)
public class Lock internal constructor(segment: SharedSegment, offset: Int = OFFSET) : SharedObject(segment), SharedLock {
    internal val word = RobustLock(segment, offset)
    private val waiter = waiter(word.bell(), "lock", onIdle = ::recoverIfOwnerDied)

    /** True while any process holds the lock (a snapshot). */
    override val isLocked: Boolean get() = word.isLocked

    /** The pid of the process holding the lock now, or null. */
    public val ownerPid: Long? get() = word.ownerPid().takeIf { it != 0L }

    /**
     * For the holder: true when this holding began by taking the lock over from a process that died holding
     * it. Whatever that process was changing under the lock may be half-done. Cleared by [release].
     */
    override val previousOwnerDied: Boolean get() = word.previousOwnerDied()

    /**
     * Acquires the lock, waiting up to [timeout]; false if it timed out. Cancellable: a cancelled wait takes
     * nothing.
     */
    override suspend fun acquire(timeout: Duration): Boolean {
        checkOpen()
        if (word.tryAcquire() || spin()) return true
        return awaitAttempt(word.bell(), waiter, timeout, word::tryAcquire)
    }

    /** Acquires the lock if it is free now. */
    override fun tryAcquire(): Boolean {
        checkOpen()
        return word.tryAcquire()
    }

    /**
     * Releases the lock, waking one waiter's process.
     *
     * @throws IllegalStateException when the lock is not locked
     */
    override fun release() {
        checkOpen()
        check(word.release()) { "release() of a Lock that is not locked" }
    }

    /** Acquires, blocking the calling thread up to [timeout] (null: no limit): what the Java facades call, a futex wait rather than a coroutine. */
    @Throws(InterruptedException::class)
    @JvmSynthetic
    internal fun acquireBlocking(timeout: java.time.Duration? = null): Boolean {
        checkOpen()
        if (word.tryAcquire() || spin()) return true
        return blockOnAttempt(word.bell(), timeout.toTimeoutNanos(), IDLE_CHECK_NANOS, ::recoverIfOwnerDied, word::tryAcquire)
    }

    private fun recoverIfOwnerDied() {
        word.recoverIfOwnerDied()
    }

    /** A holder keeps a lock for nanoseconds to microseconds: a short spin saves a sleep and a wake-up. */
    private fun spin(): Boolean {
        repeat(SPINS) {
            if (!word.isLocked && word.tryAcquire()) return true
            Thread.onSpinWait()
        }
        return false
    }

    override fun toString(): String = "Lock(" + (ownerPid?.let { "held by pid $it" } ?: "free") + ")"

    internal companion object {
        const val KIND = 0x43504c4b // "CPLK"
        /** Where a lock's word sits in its segment (and in a shared value's, whose lock it is). */
        const val OFFSET = 64
        const val SPINS = 400
    }
}

/** A new lock, free; see [Lock]. */
public fun Lock(): Lock = Lock(SharedSegment.create("lock", Lock.KIND, (Lock.OFFSET + RobustLock.BYTES).toLong()))

internal object LockSerializer : SharedObjectSerializer<Lock>("dev.coproc.Lock", Lock.KIND, "lock", { Lock(it) })
