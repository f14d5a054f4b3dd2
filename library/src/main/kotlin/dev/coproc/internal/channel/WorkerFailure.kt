package dev.coproc.internal.channel

import dev.coproc.internal.codec.RemoteError
import dev.coproc.os.ExitStatus

/**
 * Why a worker did not deliver what it was asked for, as the channel and the pool report it. The public
 * package turns each into its public exception in one place (`Failures.kt`); nothing here knows those types.
 */
internal sealed class WorkerFailure(message: String, cause: Throwable? = null) : Exception(message, cause) {
    /** The task threw in worker [workerName]; [error] is what it threw, as the worker described it. */
    class Remote(val workerName: String, val pid: Long, val error: RemoteError) :
        WorkerFailure("task in $workerName (pid $pid) failed with ${error.className}" + (error.message?.let { ": $it" } ?: ""))

    /** The worker ended, with [status], before it answered. */
    class Died(val workerName: String, val pid: Long, val status: ExitStatus) :
        WorkerFailure("process $workerName (pid $pid) $status before delivering a result")

    /** The worker broke the protocol (it is then killed), or its answer did not decode. */
    class Protocol(val workerName: String, val pid: Long, message: String, cause: Throwable? = null) : WorkerFailure(message, cause)

    /** The worker JVM could not be started (or made ready: a failed pool initializer). */
    class StartFailed(message: String, cause: Throwable? = null) : WorkerFailure(message, cause)

    /** A message is over the frame limit: nothing was sent, and the worker is fine. */
    class TooLarge(message: String, cause: Throwable? = null) : WorkerFailure(message, cause)
}
