package dev.coproc.internal.pool

import kotlin.coroutines.resume
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * A pool's queue of work items, waited on by its worker slots.
 *
 * An item goes to the slot that became idle last (its worker is the one most likely still running and warm),
 * and a slot may take the next map chunks ahead of time ([pollChunk]) to send them to its worker early.
 * Closing refuses new items but keeps the queued ones, and an item put back for a retry is still accepted.
 */
internal class WorkQueue {
    private val lock = Any()
    private val items = ArrayDeque<WorkItem>()
    private val idle = ArrayDeque<CancellableContinuation<WorkItem?>>()
    private var closed = false

    /** Queues [item], or hands it to an idle slot; false once closed. */
    fun offer(item: WorkItem): Boolean = put(item, front = false, evenIfClosed = false)

    /** Puts [item] back at the front, to run again (a retry); accepted even after [close]. */
    fun retry(item: WorkItem) {
        put(item, front = true, evenIfClosed = true)
    }

    /** The next item, suspending while there is none; null once closed and empty. */
    suspend fun take(): WorkItem? {
        synchronized(lock) {
            items.removeFirstOrNull()?.let { return it }
            if (closed) return null
        }
        return suspendCancellableCoroutine { waiter ->
            val now = synchronized(lock) {
                when {
                    items.isNotEmpty() -> items.removeFirst()
                    closed -> null
                    else -> {
                        idle.addLast(waiter)
                        waiter.invokeOnCancellation { synchronized(lock) { idle.remove(waiter) } }
                        return@suspendCancellableCoroutine
                    }
                }
            }
            waiter.resume(now)
        }
    }

    /** How many items wait now. */
    fun size(): Int = synchronized(lock) { items.size }

    /** The first queued item if it is a map chunk, taken without waiting; null otherwise. */
    fun pollChunk(): WorkItem? = synchronized(lock) {
        if (items.firstOrNull()?.payload?.isChunk == true) items.removeFirst() else null
    }

    /** Refuses new items from now on; idle slots wake up with null once the queue is empty. */
    fun close() {
        // Slots wait only while the queue is empty, so every waiter can be told it ended.
        val waiters = synchronized(lock) {
            closed = true
            idle.toList().also { idle.clear() }
        }
        waiters.forEach { it.resume(null) }
    }

    /** Closes and removes every queued item. */
    fun drain(): List<WorkItem> {
        close()
        return synchronized(lock) { items.toList().also { items.clear() } }
    }

    private fun put(item: WorkItem, front: Boolean, evenIfClosed: Boolean): Boolean {
        val waiter = synchronized(lock) {
            if (closed && !evenIfClosed) return false
            val last = idle.removeLastOrNull()
            if (last == null) {
                if (front) items.addFirst(item) else items.addLast(item)
                return true
            }
            last
        }
        // A slot cancelled meanwhile (the pool's scope ending) must not swallow the item.
        waiter.resume(item) { _, _, _ -> put(item, front = true, evenIfClosed = true) }
        return true
    }
}
