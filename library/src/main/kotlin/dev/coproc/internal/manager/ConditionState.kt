package dev.coproc.internal.manager

import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext

/** A condition in the manager, over a [lock] of the same manager. */
internal class ConditionState(private val lock: LockState) : ObjectState {
    private val waiters = WaitList<Unit>()

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> {
        // args: the holder (for an RLock; any for a Lock), then the method's own
        val who = lock.holderOf(session, args)
        return when (method) {
            "wait" -> listOf(ManagerWire.of(wait(who, ManagerWire.long(args[1]))))
            "notify" -> emptyList<ByteArray>().also { notify(who, ManagerWire.int(args[1])) }
            "notifyAll" -> emptyList<ByteArray>().also { notify(who, Int.MAX_VALUE) }
            else -> noSuchMethod("a condition", method)
        }
    }

    /** True if notified; false on timeout. Either way, and even cancelled, it returns holding the lock again. */
    private suspend fun wait(who: Any, timeoutMillis: Long): Boolean {
        val held = lock.releaseAll(who)
        try {
            return waiters.await(timeoutMillis) != null
        } finally {
            withContext(NonCancellable) { lock.acquire(who, -1, held) }
        }
    }

    private fun notify(who: Any, count: Int) {
        if (!lock.holds(who)) throw ManagedStateException("notify() on a condition whose lock the caller does not hold")
        var left = count
        while (left > 0 && waiters.wakeOne { }) left--
    }
}
