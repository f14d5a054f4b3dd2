package dev.coproc.internal

import dev.coproc.internal.shm.Bell
import dev.coproc.internal.shm.QueueRing
import kotlin.time.Duration
import kotlinx.coroutines.withTimeoutOrNull

/**
 * Tries [attempt] (which takes what it waits for: a lock, a permit...) now, then each time [bell] rings,
 * suspending in between, until it succeeds or [timeout] passes. True if it succeeded.
 *
 * An attempt that succeeded is never reported as timed out, even if the timeout fired just after it: what
 * was taken would otherwise be lost to everybody.
 */
internal suspend fun awaitAttempt(bell: Bell, waiter: Lazy<SequenceWaiter>, timeout: Duration, attempt: () -> Boolean): Boolean {
    if (attempt()) return true
    if (timeout <= Duration.ZERO) return false
    var succeeded = false
    val sleepUntilDone: suspend () -> Unit = {
        bell.register(1)
        try {
            while (true) {
                val seen = bell.sequence()
                if (attempt()) break
                waiter.value.awaitChange(seen)
            }
            succeeded = true
        } finally {
            bell.register(-1)
        }
    }
    if (timeout.isInfinite()) sleepUntilDone() else withTimeoutOrNull(timeout) { sleepUntilDone() }
    return succeeded
}

/**
 * The blocking form of [awaitAttempt], for Java callers who asked to block: sleeps on [bell] in the calling
 * thread, at most [timeoutNanos] (negative: no limit), calling [onIdle] every [idleNanos] without a change.
 *
 * @throws InterruptedException when the thread is interrupted while it waits
 */
internal fun blockOnAttempt(bell: Bell, timeoutNanos: Long, idleNanos: Long, onIdle: () -> Unit, attempt: () -> Boolean): Boolean {
    if (attempt()) return true
    if (timeoutNanos == 0L) return false
    val deadline = System.nanoTime() + timeoutNanos
    bell.register(1)
    try {
        while (true) {
            val seen = bell.sequence()
            if (attempt()) return true
            if (Thread.interrupted()) throw InterruptedException()
            val slice = if (timeoutNanos < 0) idleNanos else minOf(idleNanos, deadline - System.nanoTime())
            if (slice <= 0) return false
            bell.await(seen, slice)
            if (bell.sequence() == seen) onIdle()
        }
    } finally {
        bell.register(-1)
    }
}

/**
 * Waits on one of the ring's conditions for [ready], which another process makes true: registered first, then
 * the sequence read, then the condition armed, then [ready] checked again, so that a change in between is
 * never slept through.
 */
internal suspend fun QueueRing.awaitCondition(condition: Int, waiter: SequenceWaiter, ready: () -> Boolean) {
    register(condition, 1)
    try {
        val seen = sequence(condition)
        arm(condition)
        if (ready()) return
        waiter.awaitChange(seen)
    } finally {
        register(condition, -1)
    }
}

/**
 * A short spin before sleeping on a shared word: the other process usually acts within microseconds, and a
 * thread hand-off costs tens of them on a busy machine. Bounded, so that a spinner never starves the other
 * side, and it looks only every few pauses: each look pulls the other side's cache line away from it.
 *
 * [yielding]: also yields the CPU now and then, for waits where the two sides take turns (a pipe's pieces, a
 * queue's items). When the scheduler has put both on one CPU (it tends to, after a wake-up), a plain spin holds
 * the CPU the other side needs; a yield costs a system call when nothing else waits.
 */
internal inline fun spinUntil(yielding: Boolean = false, ready: () -> Boolean): Boolean {
    repeat(SPINS) { i ->
        if (i % SPIN_LOOK_EVERY == 0) {
            if (ready()) return true
            if (yielding && i > 0 && i % SPIN_YIELD_EVERY == 0) Thread.yield()
        }
        Thread.onSpinWait()
    }
    return false
}

private const val SPINS = 2_000
private const val SPIN_LOOK_EVERY = 16
private const val SPIN_YIELD_EVERY = 128
