package dev.coproc.internal

import dev.coproc.shm.QueueRing
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.locks.LockSupport
import kotlin.coroutines.resume
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * Where this process's coroutines wait for one condition of one shared queue: a daemon thread sleeps on the
 * condition's futex word for all of them (a futex wait blocks a thread, never a caller's), and resumes each
 * waiter once the condition's sequence moved past the value it saw.
 */
internal class ConditionWaiter(private val ring: QueueRing, private val condition: Int, private val name: String) {
    private class Waiter(val continuation: CancellableContinuation<Unit>, val seen: Int)

    private val waiting = ConcurrentLinkedQueue<Waiter>()
    @Volatile private var thread: Thread? = null
    @Volatile private var stopped = false

    /** Suspends until the sequence differs from [seen]; the caller registered itself before reading [seen]. */
    suspend fun awaitChange(seen: Int) = suspendCancellableCoroutine { continuation ->
        val waiter = Waiter(continuation, seen)
        waiting += waiter
        continuation.invokeOnCancellation { waiting -= waiter }
        LockSupport.unpark(thread ?: startThread())
    }

    @Synchronized
    private fun startThread(): Thread = thread ?: Thread(null, ::loop, "coproc-queue-$name", 64 * 1024).also {
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
            val now = ring.sequence(condition)
            for (waiter in waiting) {
                if (waiter.seen != now && waiting.remove(waiter)) waiter.continuation.resume(Unit)
            }
            if (waiting.isEmpty()) continue
            // Every change wakes it at once; the timeout bounds how long a stop() goes unnoticed, and how long
            // a change committed by a process that then died waits for somebody to finish it.
            ring.await(condition, now, SAFETY_NANOS)
            if (ring.sequence(condition) == now) ring.recoverAbandoned()
        }
    }

    /** Ends the thread; coroutines still waiting stay suspended (their queue handle was released). */
    fun stop() {
        stopped = true
        val running = thread ?: return
        LockSupport.unpark(running)
        ring.bump(condition)
    }

    private companion object {
        const val SAFETY_NANOS = 1_000_000_000L
    }
}
