package dev.coproc

import dev.coproc.internal.codec.EncodingFailure
import dev.coproc.internal.codec.RemoteError
import dev.coproc.internal.channel.WorkerFailure
import dev.coproc.internal.manager.ManagerFailure
import dev.coproc.internal.pool.PoolFailure

/**
 * The public exception for what the internal layers report (a remote failure, a worker's death, a protocol
 * failure, a pool's end...): the one place the two meet. Anything else (already public, or a cancellation) is
 * returned as it is.
 */
internal fun Throwable.toPublic(): Throwable = when (this) {
    is WorkerFailure -> toPublic()
    is EncodingFailure -> TaskEncodingException(message!!, cause)
    is PoolFailure.Terminated -> PoolTerminatedException(message!!)
    is PoolFailure.TimedOut -> TaskTimeoutException(workerName, pid, timeout)
    is ManagerFailure -> toPublic()
    else -> this
}

private fun ManagerFailure.toPublic(): Exception = when (this) {
    is ManagerFailure.Unavailable -> ManagerUnavailableException(address, cause)
    is ManagerFailure.Refused -> ManagerAuthenticationException(address, reason)
    // The same types the local objects raise for the same misuse, so code handles both alike.
    is ManagerFailure.Answered -> when (type) {
        "IllegalState" -> IllegalStateException(reason)
        "BrokenBarrier" -> BrokenBarrierException(reason)
        "QueueShutdown" -> QueueShutdownException(drained = false)
        "QueueShutdownDrained" -> QueueShutdownException(drained = true)
        else -> ManagerCallException(type, reason)
    }
}

private fun WorkerFailure.toPublic(): CoprocException = when (this) {
    is WorkerFailure.Remote -> RemoteTaskException(workerName, pid, error.className, error.message, error.toStackTrace())
    is WorkerFailure.Died -> ProcessDiedException(workerName, pid, status)
    is WorkerFailure.Protocol -> ProtocolException(workerName, pid, message!!, cause)
    is WorkerFailure.StartFailed -> ProcessStartException(message!!, cause?.toPublic())
    is WorkerFailure.TooLarge -> TaskEncodingException(message!!, cause)
}

private fun RemoteError.toStackTrace(): RemoteStackTrace =
    RemoteStackTrace(className, message, cause?.toStackTrace()).also { trace ->
        trace.stackTrace = stackTrace.map { StackTraceElement(it.className, it.methodName, it.fileName, it.line) }.toTypedArray()
    }

/** Runs [block], throwing what the internal layers report as its public exception ([toPublic]). */
internal inline fun <T> publicFailures(block: () -> T): T = try {
    block()
} catch (e: Exception) {
    throw e.toPublic()
}
