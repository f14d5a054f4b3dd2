package dev.coproc.internal

import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionException
import java.util.concurrent.ExecutionException
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * Suspends until this future completes, without cancelling it when the caller is cancelled: these futures
 * describe a process's fate, which one impatient caller must not change for the others.
 */
internal suspend fun <T> CompletableFuture<T>.awaitResult(): T {
    if (isDone) return joinUnwrapped()
    return suspendCancellableCoroutine { continuation ->
        whenComplete { value, error ->
            if (error == null) continuation.resume(value) else continuation.resumeWithException(error.unwrapped())
        }
    }
}

internal fun <T> CompletableFuture<T>.joinUnwrapped(): T = try {
    join()
} catch (e: CompletionException) {
    throw e.unwrapped()
}

internal fun Throwable.unwrapped(): Throwable =
    if ((this is CompletionException || this is ExecutionException) && cause != null) cause!!.unwrapped() else this
