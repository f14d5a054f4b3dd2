package dev.coproc.java.internal

import dev.coproc.Barrier
import dev.coproc.Condition
import dev.coproc.CoroutineLock
import dev.coproc.ManagedCondition
import dev.coproc.ManagedRLock
import dev.coproc.RLock
import dev.coproc.SharedConditionSerializer
import dev.coproc.SharedRLockSerializer
import dev.coproc.ThreadHolder
import dev.coproc.Event
import dev.coproc.Lock
import dev.coproc.Semaphore
import dev.coproc.SharedBarrier
import dev.coproc.SharedBarrierSerializer
import dev.coproc.SharedEvent
import dev.coproc.SharedEventSerializer
import dev.coproc.SharedLock
import dev.coproc.SharedLockSerializer
import dev.coproc.SharedSemaphore
import dev.coproc.SharedSemaphoreSerializer
import dev.coproc.internal.javaFuture
import dev.coproc.internal.javaTakingFuture
import dev.coproc.internal.toTimeout
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.serialization.KSerializer

/**
 * The waits of the Java facades over locks, semaphores and events of any engine. A shared-memory object blocks
 * the thread on its futex; a manager's or a cluster's waits on the caller's thread for the answer. Either way
 * an interrupt stops the wait, takes nothing, and throws [InterruptedException].
 */
internal object SyncCalls {
    @JvmStatic
    @Throws(InterruptedException::class)
    fun acquire(lock: SharedLock, timeout: java.time.Duration?): Boolean =
        if (lock is Lock) lock.acquireBlocking(timeout) else runBlocking { lock.acquire(timeout.toTimeout()) }

    @JvmStatic
    fun acquireAsync(lock: SharedLock, timeout: java.time.Duration?): CompletableFuture<Boolean> =
        javaTakingFuture({ lock.acquire(timeout.toTimeout()) }) { taken -> if (taken) lock.release() }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun acquire(semaphore: SharedSemaphore, timeout: java.time.Duration?): Boolean =
        if (semaphore is Semaphore) semaphore.acquireBlocking(timeout) else runBlocking { semaphore.acquire(timeout.toTimeout()) }

    @JvmStatic
    fun acquireAsync(semaphore: SharedSemaphore, timeout: java.time.Duration?): CompletableFuture<Boolean> =
        javaTakingFuture({ semaphore.acquire(timeout.toTimeout()) }) { taken -> if (taken) semaphore.release() }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun await(event: SharedEvent, timeout: java.time.Duration?): Boolean =
        if (event is Event) event.waitBlocking(timeout) else runBlocking { event.wait(timeout.toTimeout()) }

    @JvmStatic
    fun awaitAsync(event: SharedEvent, timeout: java.time.Duration?): CompletableFuture<Boolean> = javaFuture { event.wait(timeout.toTimeout()) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun await(barrier: SharedBarrier, timeout: java.time.Duration?): Int = runBlocking { barrier.wait(timeout.toTimeout()) }

    @JvmStatic
    fun awaitAsync(barrier: SharedBarrier, timeout: java.time.Duration?): CompletableFuture<Int> {
        if (barrier is Barrier) barrier.checkOpen()
        return javaFuture { barrier.wait(timeout.toTimeout()) }
    }

    /**
     * Takes a re-entrant lock or a condition's lock for the calling thread, up to [timeout] (null: no limit). The
     * thread is the holder ([ThreadHolder]), so that its later calls, each in a coroutine of its own, release it.
     */
    @JvmStatic
    @Throws(InterruptedException::class)
    fun acquire(lock: CoroutineLock, timeout: java.time.Duration?): Boolean = asThread { lock.acquire(timeout.toTimeout()) }

    /**
     * Lets go of one level of the calling thread's holding. An interrupt neither stops it nor is lost: a release
     * cut short would leave the lock held by a thread that believes it let go, so the flag is set again after.
     */
    @JvmStatic
    fun release(lock: CoroutineLock) {
        // A shared-memory lock releases without suspending; no need to pay for a coroutine.
        if (lock is RLock) return lock.releaseBlocking()
        val holder = Thread.currentThread()
        var interrupted = Thread.interrupted()
        try {
            runBlocking(ThreadHolder(holder)) { withContext(NonCancellable) { lock.release() } }
        } catch (e: InterruptedException) {
            interrupted = true // the release above ran to its end all the same: runBlocking waits for it
        } finally {
            if (interrupted) holder.interrupt()
        }
    }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun holdCount(lock: CoroutineLock): Int = when (lock) {
        is RLock -> asThread { lock.holdCount() }
        is ManagedRLock -> asThread { lock.holdCount() }
        else -> throw IllegalArgumentException("$lock is not a re-entrant lock")
    }

    /** Lets go of [condition]'s lock, waits for a notification up to [timeout] (null: no limit), takes the lock back. */
    @JvmStatic
    @Throws(InterruptedException::class)
    fun await(condition: CoroutineLock, timeout: java.time.Duration?): Boolean = asThread {
        when (condition) {
            is Condition -> condition.wait(timeout.toTimeout())
            is ManagedCondition -> condition.wait(timeout.toTimeout())
            else -> throw notACondition(condition)
        }
    }

    /** Waits until [predicate] holds, checked with the lock held, at most [timeout]; its last value. */
    @JvmStatic
    @Throws(InterruptedException::class)
    fun awaitUntil(condition: CoroutineLock, timeout: java.time.Duration?, predicate: java.util.function.BooleanSupplier): Boolean = asThread {
        when (condition) {
            is Condition -> condition.waitFor(timeout.toTimeout()) { predicate.asBoolean }
            is ManagedCondition -> condition.waitFor(timeout.toTimeout()) { predicate.asBoolean }
            else -> throw notACondition(condition)
        }
    }

    /** Wakes up to [n] of [condition]'s waiters; the caller holds its lock. */
    @JvmStatic
    @Throws(InterruptedException::class)
    fun signal(condition: CoroutineLock, n: Int) {
        when (condition) {
            is Condition -> condition.notify(n)
            is ManagedCondition -> asThread { condition.notify(n) }
            else -> throw notACondition(condition)
        }
    }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun signalAll(condition: CoroutineLock) {
        when (condition) {
            is Condition -> condition.notifyAll()
            is ManagedCondition -> asThread { condition.notifyAll() }
            else -> throw notACondition(condition)
        }
    }

    /** [condition], checked to be one of the engines' conditions. */
    @JvmStatic
    fun <C : CoroutineLock> condition(condition: C): C {
        if (condition !is Condition && condition !is ManagedCondition) throw notACondition(condition)
        return condition
    }

    /** [lock], checked to be one of the engines' re-entrant locks. */
    @JvmStatic
    fun <L : CoroutineLock> rLock(lock: L): L {
        require(lock is RLock || lock is ManagedRLock) { "$lock is not a re-entrant lock" }
        return lock
    }

    @JvmStatic
    fun rLockSerializer(): KSerializer<CoroutineLock> = SharedRLockSerializer

    @JvmStatic
    fun conditionSerializer(): KSerializer<CoroutineLock> = SharedConditionSerializer

    private fun <T> asThread(call: suspend () -> T): T = runBlocking(ThreadHolder(Thread.currentThread())) { call() }

    private fun notACondition(value: Any) = IllegalArgumentException("$value is not a condition")

    /** How the facades travel: as the engine-neutral handle, so a Java task takes any engine's object. */
    @JvmStatic
    fun lockSerializer(): KSerializer<SharedLock> = SharedLockSerializer

    @JvmStatic
    fun semaphoreSerializer(): KSerializer<SharedSemaphore> = SharedSemaphoreSerializer

    @JvmStatic
    fun barrierSerializer(): KSerializer<SharedBarrier> = SharedBarrierSerializer

    @JvmStatic
    fun eventSerializer(): KSerializer<SharedEvent> = SharedEventSerializer
}
