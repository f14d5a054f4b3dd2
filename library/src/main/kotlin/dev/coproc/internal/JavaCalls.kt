package dev.coproc.internal

import java.util.concurrent.CompletableFuture
import kotlin.time.Duration
import kotlin.time.toKotlinDuration
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.future.future
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** Where Java callers' asynchronous waits run: their futures complete on the default dispatcher's threads. */
private val javaScope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

/** A future of [block]'s result, for the Java facade; cancelling the future cancels the wait. */
internal fun <T> javaFuture(block: suspend () -> T): CompletableFuture<T> = javaScope.future { block() }

/**
 * A future of what [block] takes (a lock, a permit, a queue's item), for the Java facade: cancelling the future
 * cancels the wait, and what the wait took just as the future was cancelled (or timed out by `orTimeout`) is given
 * back with [undo] rather than lost, since nobody will ever see it.
 */
internal fun <T> javaTakingFuture(block: suspend () -> T, undo: suspend (T) -> Unit): CompletableFuture<T> {
    val result = CompletableFuture<T>()
    val job = javaScope.launch {
        val taken = try {
            block()
        } catch (e: Throwable) {
            result.completeExceptionally(e)
            return@launch
        }
        if (!result.complete(taken)) withContext(NonCancellable) { undo(taken) }
    }
    result.whenComplete { _, _ -> if (result.isCancelled || result.isCompletedExceptionally) job.cancel() }
    return result
}

/**
 * A blocking call for the Java facade: [block]'s result, or its exception thrown as is (a `runBlocking` the
 * Java caller asked for by calling a `...Blocking` function).
 */
internal fun <T> blockingCall(block: suspend () -> T): T = kotlinx.coroutines.runBlocking { block() }

/**
 * Ends a blocking call that may not throw [InterruptedException] (an [Iterator]'s, a proxy method's that does not
 * declare it, a Java call that does not wait): the thread keeps its interrupt flag, and a
 * [java.util.concurrent.CancellationException] says what was interrupted ([what]: "while ...").
 */
internal fun interruptedAsCancellation(what: String, interrupted: InterruptedException): Nothing {
    Thread.currentThread().interrupt()
    throw java.util.concurrent.CancellationException("interrupted $what").apply { initCause(interrupted) }
}

/** A Java timeout: null means no limit. */
internal fun java.time.Duration?.toTimeout(): Duration = this?.toKotlinDuration() ?: Duration.INFINITE

/** A Java timeout in nanoseconds for the blocking waits: null means no limit (negative). */
internal fun java.time.Duration?.toTimeoutNanos(): Long = when {
    this == null -> -1L
    isNegative -> 0L
    else -> runCatching { toNanos() }.getOrDefault(Long.MAX_VALUE)
}
