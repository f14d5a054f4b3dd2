package dev.coproc

import dev.coproc.internal.awaitAttempt
import dev.coproc.internal.handles.DescriptorGrant
import dev.coproc.internal.handles.HandleSerializer
import dev.coproc.internal.shm.Bell
import dev.coproc.internal.shm.ProcessIdentity
import dev.coproc.internal.shm.SharedSegment
import kotlin.time.Duration
import kotlin.time.TimeSource
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.serialization.Serializable

/**
 * A condition variable shared by every process holding it: Python's `multiprocessing.Condition`. A holder of
 * its [lock][withLock] [wait]s, which releases the lock until another holder [notify]s, then takes it back.
 *
 * ```
 * condition.withLock { condition.waitFor { queueHasWork() } }
 * ```
 * Waiters are woken in the order they began to wait. Waits can also end spuriously; [waitFor] loops on its
 * predicate. A waiter whose process died is skipped by [notify], so a notification is never spent on it.
 * At most [MAX_WAITERS] waits may be in progress at once across all processes.
 */
@Serializable(with = ConditionSerializer::class)
public class Condition internal constructor(
    segment: SharedSegment,
    private val lock: SharedObject,
    private val ownsLock: Boolean,
) : SharedObject(segment), CoroutineLock {
    private val bell = Bell(segment, BELL)
    private val waiter = waiter(bell, "condition")

    /** Acquires the condition's lock (re-entrantly if it is an [RLock]); false if it timed out. */
    override suspend fun acquire(timeout: Duration): Boolean = when (lock) {
        is RLock -> lock.acquire(timeout)
        is Lock -> lock.acquire(timeout)
        else -> error("unreachable")
    }

    /** Releases the condition's lock (one level, for an [RLock]). */
    override suspend fun release(): Unit = when (lock) {
        is RLock -> lock.release()
        is Lock -> lock.release()
        else -> error("unreachable")
    }

    /**
     * Releases the lock, waits until notified or [timeout] passes, then re-acquires the lock, even when the
     * wait is cancelled (the caller's `withLock` will release it). True if notified.
     *
     * @throws IllegalStateException when the caller does not hold the lock
     */
    public suspend fun wait(timeout: Duration = Duration.INFINITE): Boolean {
        checkOpen()
        val who = RLock.currentHolder()
        val (slot, saved) = beginWait(who)
        var waited = false
        try {
            awaitAttempt(bell, waiter, timeout) { segment.getInt(slot + STATE) == NOTIFIED }
            waited = true
        } finally {
            withContext(NonCancellable) { reacquireLock(who, saved) }
            // A cancelled wait gives its slot back, holding the lock again; a signal it took goes to the next waiter,
            // so that neither a slot nor a notify is lost to a waiter that is gone.
            if (!waited && freeSlot(slot)) wake(1)
        }
        return freeSlot(slot)
    }

    /** Waits until [predicate] holds, at most [timeout]; returns the predicate's last value. Called holding the lock. */
    public suspend fun waitFor(timeout: Duration = Duration.INFINITE, predicate: () -> Boolean): Boolean {
        val start = TimeSource.Monotonic.markNow()
        var result = predicate()
        while (!result) {
            val left = timeout - start.elapsedNow()
            if (left <= Duration.ZERO) break
            wait(left)
            result = predicate()
        }
        return result
    }

    /**
     * Wakes the [n] longest waiters (fewer if fewer wait). Called holding the lock.
     *
     * @throws IllegalStateException when this process does not hold the lock
     */
    // Java sees notify(int): notify() is Object's.
    public fun notify(n: Int = 1) {
        checkOpen()
        checkHeld("notify")
        wake(n)
    }

    /** Marks up to [n] of the oldest live waiters notified and rings them. Called holding the lock. */
    private fun wake(n: Int) {
        var woken = 0
        while (woken < n) {
            val slot = oldestWaiter() ?: break
            if (isDead(slot)) {
                segment.setInt(slot + STATE, FREE)
                continue
            }
            segment.setInt(slot + STATE, NOTIFIED)
            woken++
        }
        if (woken > 0) bell.ring()
    }

    /** Wakes every waiter. Called holding the lock. Java: `notifyAllWaiters()` (`notifyAll()` is Object's). */
    @JvmName("notifyAllWaiters")
    public fun notifyAll(): Unit = notify(Int.MAX_VALUE)

    /**
     * Takes a slot for [who]'s wait, then lets go of the lock: returns the slot and the lock's saved depth.
     * The slot is taken first, under the lock, so that a notify can never come between the two unseen.
     */
    private fun beginWait(who: Any): Pair<Int, Int> {
        val slot = claimSlot()
        val saved = try {
            releaseLock(who)
        } catch (e: IllegalStateException) {
            freeSlot(slot)
            throw e
        }
        return slot to saved
    }

    /** Takes a free slot for the caller's wait, stamped with the next ticket; under the lock. */
    private fun claimSlot(): Int {
        checkHeld("wait")
        val ticket = segment.getAndAddLong(TICKET, 1)
        for (index in 0 until MAX_WAITERS) {
            val slot = SLOTS + index * SLOT_BYTES
            if (segment.getInt(slot + STATE) != FREE) continue
            segment.setLong(slot + SLOT_TICKET, ticket)
            segment.setLong(slot + SLOT_OWNER, ProcessIdentity.self())
            segment.setInt(slot + STATE, WAITING)
            if (index >= segment.getInt(HIGH)) segment.setInt(HIGH, index + 1)
            return slot
        }
        throw IllegalStateException("more than $MAX_WAITERS waits in progress on one Condition")
    }

    /** Frees the slot, back under the lock; true if it was notified. */
    private fun freeSlot(slot: Int): Boolean {
        val notified = segment.getInt(slot + STATE) == NOTIFIED
        segment.setInt(slot + STATE, FREE)
        return notified
    }

    private fun oldestWaiter(): Int? {
        var oldest: Int? = null
        var oldestTicket = Long.MAX_VALUE
        for (index in 0 until segment.getInt(HIGH)) {
            val slot = SLOTS + index * SLOT_BYTES
            if (segment.getInt(slot + STATE) != WAITING) continue
            val ticket = segment.getLong(slot + SLOT_TICKET)
            if (ticket < oldestTicket) {
                oldest = slot
                oldestTicket = ticket
            }
        }
        return oldest
    }

    private fun isDead(slot: Int): Boolean {
        val owner = segment.getLong(slot + SLOT_OWNER)
        return owner != ProcessIdentity.self() && !ProcessIdentity.isAlive(owner)
    }

    private fun checkHeld(what: String) {
        val held = when (lock) {
            is RLock -> lock.isHeldHere
            is Lock -> lock.word.isHeldHere
            else -> false
        }
        check(held) { "$what() on a Condition whose lock this process does not hold" }
    }

    private fun releaseLock(who: Any): Int = when (lock) {
        is RLock -> lock.releaseAll(who)
        is Lock -> 1.also { lock.release() }
        else -> error("unreachable")
    }

    private suspend fun reacquireLock(who: Any, saved: Int) {
        when (lock) {
            is RLock -> lock.acquireAs(who, Duration.INFINITE).also { lock.restore(who, saved) }
            is Lock -> lock.acquire()
            else -> error("unreachable")
        }
    }

    internal val lockHandle: SharedObject get() = lock

    override fun close() {
        if (ownsLock) lock.close()
        super.close()
    }

    override fun toString(): String = "Condition($lock)"

    public companion object {
        /** The most waits that may be in progress at once on one condition, across all processes. */
        public const val MAX_WAITERS: Int = 1024

        internal const val KIND = 0x4350434e // "CPCN"
        private const val TICKET = 64
        private const val HIGH = 72
        private const val BELL = 128
        private const val SLOTS = 256
        private const val SLOT_BYTES = 32
        private const val STATE = 0
        private const val SLOT_TICKET = 8
        private const val SLOT_OWNER = 16
        private const val FREE = 0
        private const val WAITING = 1
        private const val NOTIFIED = 2

        internal fun segment(): SharedSegment = SharedSegment.create("condition", KIND, (SLOTS + MAX_WAITERS * SLOT_BYTES).toLong())
    }
}

/** A new condition over a new [RLock] of its own (Python's default); see [Condition]. */
public fun Condition(): Condition = Condition(Condition.segment(), RLock(), ownsLock = true)

/** A new condition over [lock], which stays the caller's to close. */
public fun Condition(lock: Lock): Condition = Condition(Condition.segment(), lock, ownsLock = false)

/** A new condition over [lock], which stays the caller's to close. */
public fun Condition(lock: RLock): Condition = Condition(Condition.segment(), lock, ownsLock = false)

/** What crosses in place of a condition: its own memory and its lock's. */
@Serializable
internal class ConditionForm(val condition: DescriptorGrant, val reentrant: Boolean, val lock: DescriptorGrant)

internal object ConditionSerializer : HandleSerializer<Condition, ConditionForm>("dev.coproc.Condition", ConditionForm.serializer()) {
    override fun carry(handle: Condition): ConditionForm {
        val lock = handle.lockHandle
        return ConditionForm(handle.grant(), lock is RLock, lock.grant())
    }

    override fun rebuild(form: ConditionForm): Condition {
        val lock: SharedObject = if (form.reentrant) {
            RLock(form.lock.openSegment(RLock.KIND, "re-entrant lock"))
        } else {
            Lock(form.lock.openSegment(Lock.KIND, "lock"))
        }
        // The decoded condition owns the lock handle decoded with it: closing one closes both.
        return Condition(form.condition.openSegment(Condition.KIND, "condition"), lock, ownsLock = true)
    }
}
