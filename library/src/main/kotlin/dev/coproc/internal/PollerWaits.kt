package dev.coproc.internal

import dev.coproc.internal.os.FdPoller
import kotlin.coroutines.resume
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * Suspends until [fd] has one of [events] (or an error or hang-up), as the [FdPoller] sees it. Cancellable:
 * a cancelled wait is unregistered before this returns, so the caller may close [fd] right after.
 */
internal suspend fun awaitFd(fd: Int, events: Short): Unit = suspendCancellableCoroutine { continuation ->
    val wait = FdPoller.get().await(fd, events) { continuation.resume(Unit) }
    continuation.invokeOnCancellation { wait.cancel() }
}
