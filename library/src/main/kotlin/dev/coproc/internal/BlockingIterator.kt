package dev.coproc.internal

import java.util.concurrent.ArrayBlockingQueue
import kotlinx.coroutines.CoroutineScope
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

    /** Stops the collection (a Java stream closed before its end): what the flow holds is let go. */
    override fun close() {
        collector?.cancel()
    }

    private class End(val error: Throwable?)

    override fun hasNext(): Boolean {
        if (next == null) next = queue.take()
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
        fun <T> of(flow: Flow<T>, scope: CoroutineScope, capacity: Int): BlockingIterator<T> {
            val iterator = BlockingIterator<T>(capacity + 1)
            iterator.collector = scope.launch(Dispatchers.IO) {
                val end = try {
                    flow.collect { value -> runInterruptible { iterator.queue.put(Box(value)) } }
                    End(null)
                } catch (e: Throwable) {
                    End(e)
                }
                runInterruptible { iterator.queue.put(end) }
            }
            return iterator
        }
    }
}
