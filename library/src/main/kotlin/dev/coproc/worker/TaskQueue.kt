package dev.coproc.worker

import java.util.concurrent.atomic.AtomicBoolean

/**
 * Runs the parent's tasks one at a time, in the order they arrived. A pool sends a worker the next chunk
 * of a map before the current one ends, so the worker never waits on the parent between two chunks; this
 * keeps that chunk waiting until then.
 *
 * A task starts on the thread that queued it, or on the thread that ended the one before it. That is a
 * trampoline, not a recursion: a long run of tasks that never suspend does not grow the stack.
 */
internal class TaskQueue {
    private class Entry(val id: Long, val launch: (onEnd: () -> Unit) -> Unit) {
        /** Set by the launcher once [launch] returned and by the task once it ended: the second one goes on. */
        val goOn = AtomicBoolean()
    }

    private val lock = Any()
    private val waiting = ArrayDeque<Entry>()
    private var busy = false

    /**
     * Runs task [id] now if none runs, else after the ones before it. [launch] starts it (undispatched, up to
     * its first suspension) and must have the task call `onEnd` when it ends, however it ends.
     */
    fun submit(id: Long, launch: (onEnd: () -> Unit) -> Unit) {
        val entry = Entry(id, launch)
        synchronized(lock) {
            if (busy) {
                waiting.addLast(entry)
                return
            }
            busy = true
        }
        runFrom(entry)
    }

    /** Removes task [id] if it has not started yet; true when it was waiting. */
    fun dropWaiting(id: Long): Boolean = synchronized(lock) { waiting.removeIf { it.id == id } }

    private fun runFrom(first: Entry) {
        var entry: Entry? = first
        while (entry != null) {
            val current = entry
            current.launch {
                // Ended after its launcher returned (it suspended): this thread takes the queue on.
                if (current.goOn.getAndSet(true)) next()?.let(::runFrom)
            }
            // Still running (it suspended): its end takes the queue on.
            if (!current.goOn.getAndSet(true)) return
            entry = next()
        }
    }

    private fun next(): Entry? = synchronized(lock) {
        waiting.removeFirstOrNull() ?: null.also { busy = false }
    }
}
