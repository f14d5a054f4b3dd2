package dev.coproc.java.internal

import dev.coproc.Event
import dev.coproc.Lock
import dev.coproc.Semaphore
import dev.coproc.SharedEvent
import dev.coproc.SharedEventSerializer
import dev.coproc.SharedLock
import dev.coproc.SharedLockSerializer
import dev.coproc.SharedSemaphore
import dev.coproc.SharedSemaphoreSerializer
import dev.coproc.internal.javaFuture
import dev.coproc.internal.toTimeout
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.runBlocking
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
    fun acquireAsync(lock: SharedLock, timeout: java.time.Duration?): CompletableFuture<Boolean> = javaFuture { lock.acquire(timeout.toTimeout()) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun acquire(semaphore: SharedSemaphore, timeout: java.time.Duration?): Boolean =
        if (semaphore is Semaphore) semaphore.acquireBlocking(timeout) else runBlocking { semaphore.acquire(timeout.toTimeout()) }

    @JvmStatic
    fun acquireAsync(semaphore: SharedSemaphore, timeout: java.time.Duration?): CompletableFuture<Boolean> =
        javaFuture { semaphore.acquire(timeout.toTimeout()) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun await(event: SharedEvent, timeout: java.time.Duration?): Boolean =
        if (event is Event) event.waitBlocking(timeout) else runBlocking { event.wait(timeout.toTimeout()) }

    @JvmStatic
    fun awaitAsync(event: SharedEvent, timeout: java.time.Duration?): CompletableFuture<Boolean> = javaFuture { event.wait(timeout.toTimeout()) }

    /** How the facades travel: as the engine-neutral handle, so a Java task takes any engine's object. */
    @JvmStatic
    fun lockSerializer(): KSerializer<SharedLock> = SharedLockSerializer

    @JvmStatic
    fun semaphoreSerializer(): KSerializer<SharedSemaphore> = SharedSemaphoreSerializer

    @JvmStatic
    fun eventSerializer(): KSerializer<SharedEvent> = SharedEventSerializer
}
