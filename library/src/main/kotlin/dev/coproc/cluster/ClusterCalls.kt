package dev.coproc.cluster

import dev.coproc.ClusterUnavailableException
import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import kotlin.time.TimeSource
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.apache.ignite.IgniteCountDownLatch
import org.apache.ignite.IgniteException

/** How long one blocking wait on Ignite lasts before the caller's cancellation is looked at again. */
private const val SLICE_MILLIS = 100L

/**
 * Runs Ignite's timed blocking [attempt] on the IO dispatcher, a slice at a time, until it yields a value or
 * [timeout] passed (null then). Slices, not interrupts, make it cancellable: Ignite treats an interrupt as a
 * failure of the operation, not as "stop waiting". What an attempt obtained for a caller cancelled meanwhile
 * goes to [giveBack], so a cancelled wait takes nothing.
 */
internal suspend fun <T : Any> awaitInSlices(
    what: String,
    timeout: Duration,
    attempt: (sliceMillis: Long) -> T?,
    giveBack: (T) -> Unit,
): T? {
    val deadline = if (timeout.isInfinite()) null else TimeSource.Monotonic.markNow() + timeout
    while (true) {
        val left = deadline?.let { (-it.elapsedNow()).inWholeMilliseconds.coerceAtLeast(0) }
        val slice = minOf(SLICE_MILLIS, left ?: SLICE_MILLIS)
        var obtained: T? = null
        try {
            withContext(Dispatchers.IO) { obtained = clusterCall(what) { attempt(slice) } }
        } catch (e: CancellationException) {
            obtained?.let(giveBack)
            throw e
        }
        obtained?.let { return it }
        if (deadline != null && deadline.hasPassedNow()) return null
    }
}

/**
 * Waits up to [timeout] until [settled] holds, woken by the count-down [latch] of the generation waited for
 * when it opens; false if it timed out. A latch removed meanwhile fails its await: [settled] says what happened.
 */
internal suspend fun awaitSettled(what: String, timeout: Duration, latch: () -> IgniteCountDownLatch?, settled: () -> Boolean): Boolean =
    awaitInSlices(what, timeout, { slice ->
        if (settled()) {
            true
        } else {
            runCatching { latch()?.await(slice, TimeUnit.MILLISECONDS) }
            settled().takeIf { it }
        }
    }) {} != null

/** Runs one Ignite call, turning Ignite's failures (no server left, the node stopped) into [ClusterUnavailableException]. */
internal inline fun <T> clusterCall(what: String, call: () -> T): T = try {
    call()
} catch (e: IgniteException) {
    throw ClusterUnavailableException("the cluster could not $what: ${e.message}", e)
} catch (e: IllegalStateException) {
    // Ignite's way of saying the node is stopping or the structure was removed.
    throw ClusterUnavailableException("the cluster could not $what: ${e.message}", e)
}
