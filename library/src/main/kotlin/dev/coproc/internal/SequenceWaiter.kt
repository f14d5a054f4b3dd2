package dev.coproc.internal

import dev.coproc.internal.shm.Bell
import dev.coproc.internal.shm.QueueRing
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.locks.LockSupport
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * Where this process's coroutines wait for a shared sequence word to move (a queue's condition, a lock's or
 * an event's [Bell]): one daemon thread sleeps on the word's futex for all of them, because a futex wait
 * blocks a thread and must never block a caller's, and resumes each waiter once the sequence moved past the
 * value it saw. The thread starts on the first wait that has to sleep.
 *
 * Every [idleNanos] without a change it calls [onIdle], and after a second without one it resumes every waiter,
 * whose caller looks again at what it waits for: that is where a waiter notices what only a dead process could
 * have left (a lock whose owner died, a committed change nobody finished, a change whose wake-up never came).
 */
internal class SequenceWaiter(
    private val name: String,
    private val idleNanos: Long,
    private val sequence: () -> Int,
    private val sleep: (seen: Int, nanos: Long) -> Unit,
    private val wake: () -> Unit,
    private val onIdle: () -> Unit,
) {
    private class Waiter(val continuation: CancellableContinuation<Unit>, val seen: Int)

    private val waiting = ConcurrentLinkedQueue<Waiter>()
    @Volatile private var thread: Thread? = null
    @Volatile private var stopped = false
    /** Idle periods in a row, on the waiter's thread only. */
    private var idleRounds = 0L

    /**
     * Suspends until the sequence differs from [seen], or a second passed without a change (the caller looks
     * again, and waits again if need be); the caller registered itself before reading [seen].
     */
    suspend fun awaitChange(seen: Int) = suspendCancellableCoroutine { continuation ->
        val waiter = Waiter(continuation, seen)
        waiting += waiter
        continuation.invokeOnCancellation { waiting -= waiter }
        if (stopped) {
            if (waiting.remove(waiter)) continuation.resumeWithException(IllegalStateException("the $name handle was closed"))
            return@suspendCancellableCoroutine
        }
        LockSupport.unpark(thread ?: startThread())
    }

    @Synchronized
    private fun startThread(): Thread = thread ?: Thread(null, ::loop, "coproc-wait-$name", 64 * 1024).also {
        it.isDaemon = true
        thread = it
        it.start()
    }

    private fun loop() {
        while (!stopped) {
            if (waiting.isEmpty()) {
                LockSupport.park(this)
                continue
            }
            val now = sequence()
            for (waiter in waiting) {
                if (waiter.seen != now && waiting.remove(waiter)) waiter.continuation.resume(Unit)
            }
            if (waiting.isEmpty()) continue
            // Every change wakes it at once; the timeout bounds how long a stop() or a dead process's leftover
            // goes unnoticed.
            sleep(now, idleNanos)
            if (sequence() != now) {
                idleRounds = 0
                continue
            }
            onIdle()
            // A process killed after its change but before its wake-up (a consumer between its take and the bump
            // of not-full) left the sequence where it was: after a second without a change every waiter looks
            // again, and waits again if nothing it waits for has come.
            if (++idleRounds * idleNanos >= RECHECK_NANOS) {
                idleRounds = 0
                while (true) waiting.poll()?.continuation?.resume(Unit) ?: break
            }
        }
    }

    /** Ends the thread; coroutines still waiting fail with [IllegalStateException]: their handle was closed. */
    fun stop() {
        stopped = true
        while (true) {
            val waiter = waiting.poll() ?: break
            waiter.continuation.resumeWithException(IllegalStateException("the $name handle was closed while waiting"))
        }
        val running = thread ?: return
        LockSupport.unpark(running)
        wake()
    }

    companion object {
        private const val RECHECK_NANOS = 1_000_000_000L

        /** The waiter of one of a queue's conditions. */
        fun of(ring: QueueRing, condition: Int, name: String) = SequenceWaiter(
            "queue-$name", 1_000_000_000L,
            sequence = { ring.sequence(condition) },
            sleep = { seen, nanos -> ring.await(condition, seen, nanos) },
            wake = { ring.bump(condition) },
            onIdle = ring::recoverAbandoned,
        )

        /** The waiter of a shared object's [bell]; [onIdle] runs every [idleNanos] without a change. */
        fun of(bell: Bell, name: String, idleNanos: Long, onIdle: () -> Unit = {}) = SequenceWaiter(
            name, idleNanos,
            sequence = bell::sequence,
            sleep = bell::await,
            wake = bell::bump,
            onIdle = onIdle,
        )
    }
}
