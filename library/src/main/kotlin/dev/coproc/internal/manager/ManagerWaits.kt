package dev.coproc.internal.manager

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.withTimeoutOrNull

/** One client connection to a manager: a process. What it holds is let go when it goes away. */
internal class ManagerSession(val id: Long) {
    override fun toString() = "session $id"
}

/**
 * Calls waiting in the manager for something another call gives (an item, a lock, a notification), first
 * come first served. The giver hands the value to a waiter directly, so no third call can take it in between.
 * Only the manager's one thread touches it.
 */
internal class WaitList<T> {
    /** A waiting call; [who] says for whom, when the giver needs to know (a lock's next owner). */
    class Waiter<T>(val who: Any?) {
        val given = CompletableDeferred<T>()
    }

    private val waiting = ArrayDeque<Waiter<T>>()

    val size: Int get() = waiting.size

    /**
     * Waits for a value (forever when [timeoutMillis] < 0); null if none came in time. Cancelled after a value
     * was handed over, it returns that value anyway: the call then answers with it, and its client, whose
     * caller went away, gives it back (a queue's item, a lock) so nothing is lost.
     */
    @OptIn(ExperimentalCoroutinesApi::class) // getCompleted: read only once the value is known to be there
    suspend fun await(timeoutMillis: Long, who: Any? = null): T? {
        val waiter = Waiter<T>(who)
        waiting.addLast(waiter)
        val value = try {
            if (timeoutMillis < 0) waiter.given.await() else withTimeoutOrNull(timeoutMillis) { waiter.given.await() }
        } catch (e: CancellationException) {
            if (waiter.given.isCompleted) return waiter.given.getCompleted()
            throw e
        } finally {
            if (!waiter.given.isCompleted) waiting.remove(waiter)
        }
        // A value handed over as the timeout fired still counts: taken from its giver, it must not be lost.
        return value ?: if (waiter.given.isCompleted) waiter.given.getCompleted() else null
    }

    /** Hands the first waiter what [give] makes for it; false if nobody waits. */
    inline fun wakeOne(give: (who: Any?) -> T): Boolean {
        val waiter = waiting.removeFirstOrNull() ?: return false
        waiter.given.complete(give(waiter.who))
        return true
    }

    /** Hands every waiter [value]. */
    fun wakeAll(value: T) {
        while (true) {
            val waiter = waiting.removeFirstOrNull() ?: return
            waiter.given.complete(value)
        }
    }
}
