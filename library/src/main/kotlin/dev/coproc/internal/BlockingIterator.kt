package dev.coproc.internal

import java.util.concurrent.ArrayBlockingQueue
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.runInterruptible

/**
 * A blocking [Iterator] over a [Flow], for Java callers: a coroutine collects into a bounded queue (so the
 * flow's back-pressure holds) and `next()` blocks on it. Nothing here blocks a coroutine thread: the puts run
 * on the IO dispatcher.
 */
internal class BlockingIterator<T> private constructor(capacity: Int) : Iterator<T>, AutoCloseable {
    private val queue = ArrayBlockingQueue<Any>(capacity)
    private var next: Any? = null
    private var collector: Job? = null

    /**
     * Stops the collection (a Java stream closed before its end): what the flow holds is let go, and a reader
     * waiting now or later gets the end at once instead of waiting for values that will not come.
     */
    override fun close() {
        collector?.cancel()
        end(End(java.util.concurrent.CancellationException("the results were closed before their end")))
    }

    /** Makes [end] the next thing read, without waiting: values not read yet are dropped. */
    private fun end(end: End) {
        queue.clear()
        queue.offer(end)
    }

    private class End(val error: Throwable?)

    /**
     * Waits for the next value. An interrupt of the waiting thread keeps its flag set and throws
     * [java.util.concurrent.CancellationException] (an [Iterator] cannot throw [InterruptedException]).
     */
    override fun hasNext(): Boolean {
        if (next == null) {
            next = try {
                queue.take()
            } catch (e: InterruptedException) {
                interruptedAsCancellation("while waiting for the next result", e)
            }
        }
        val current = next
        if (current is End) {
            current.error?.let { throw it }
            return false
        }
        return true
    }

    @Suppress("UNCHECKED_CAST")
    override fun next(): T {
        if (!hasNext()) throw NoSuchElementException()
        val box = next as Box
        next = null
        return box.value as T
    }

    private class Box(val value: Any?)

    companion object {
        @OptIn(DelicateCoroutinesApi::class) // CoroutineStart.ATOMIC, for the end to come in every case
        fun <T> of(flow: Flow<T>, scope: CoroutineScope, capacity: Int): BlockingIterator<T> {
            val iterator = BlockingIterator<T>(capacity + 1)
            // ATOMIC: in a scope cancelled already (a pool closed), the body still runs and ends the iterator.
            iterator.collector = scope.launch(Dispatchers.IO, start = CoroutineStart.ATOMIC) {
                val end = try {
                    flow.collect { value -> runInterruptible { iterator.queue.put(Box(value)) } }
                    End(null)
                } catch (e: Throwable) {
                    End(e)
                }
                try {
                    runInterruptible { iterator.queue.put(end) }
                } catch (e: CancellationException) {
                    iterator.end(end) // nobody will read the rest: the end goes first, at once
                }
            }
            return iterator
        }
    }
}
