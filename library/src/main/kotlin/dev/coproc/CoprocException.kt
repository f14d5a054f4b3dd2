package dev.coproc

import dev.coproc.os.ExitStatus

/** Every failure coproc reports: catch this to handle them all, or a subtype for one kind. */
public sealed class CoprocException(message: String, cause: Throwable? = null) : RuntimeException(message, cause)

/**
 * The task threw in the child. [remoteClassName] and [remoteMessage] are the original exception's; its
 * remote stack trace is this exception's [cause] (a [RemoteStackTrace]), so logs show where it failed.
 */
public class RemoteTaskException internal constructor(
    /** Name of the process the task ran in. */
    public val processName: String,
    /** Pid of the process the task ran in. */
    public val pid: Long,
    /** The fully qualified class name of the exception thrown in the child. */
    public val remoteClassName: String,
    /** The message of the exception thrown in the child. */
    public val remoteMessage: String?,
    cause: RemoteStackTrace,
) : CoprocException(
    "task in $processName (pid $pid) failed with $remoteClassName" + (remoteMessage?.let { ": $it" } ?: ""),
    cause,
)

/**
 * An exception that happened in another process, carried as data: its class is never instantiated here.
 * [toString] shows the original class name, and [getStackTrace] the remote frames.
 */
public class RemoteStackTrace internal constructor(
    /** The fully qualified class name of the remote exception. */
    public val remoteClassName: String,
    message: String?,
    cause: RemoteStackTrace?,
) : RuntimeException(message, cause, false, true) {
    override fun toString(): String = remoteClassName + (message?.let { ": $it" } ?: "")
}

/** The child ended without delivering a result: it exited, crashed or was killed. */
public class ProcessDiedException internal constructor(
    /** Name of the process. */
    public val processName: String,
    /** Pid of the process. */
    public val pid: Long,
    /** How it ended. */
    public val exitStatus: ExitStatus,
) : CoprocException("process $processName (pid $pid) $exitStatus before delivering a result")

/**
 * The child broke the wire protocol: a corrupted, truncated or oversized frame, a bad handshake, or a
 * message that does not decode. The child is killed; this JVM goes on.
 */
public class ProtocolException internal constructor(
    /** Name of the process. */
    public val processName: String,
    /** Pid of the process. */
    public val pid: Long,
    message: String,
    cause: Throwable? = null,
) : CoprocException(message, cause)

/**
 * A task, argument or result cannot be encoded (e.g. a class that is not `@Serializable`, or a result type
 * that cannot be determined). Raised on the caller's side before anything is sent.
 */
public class TaskEncodingException internal constructor(message: String, cause: Throwable? = null) :
    CoprocException(message, cause)

/** The worker process could not be started (bad java path, working directory, or an OS limit). */
public class ProcessStartException internal constructor(message: String, cause: Throwable? = null) :
    CoprocException(message, cause)

/** A pool task ran longer than its timeout: its worker was killed and replaced. */
public class TaskTimeoutException internal constructor(
    /** Name of the worker that ran the task. */
    public val processName: String,
    /** Pid of the worker that ran the task. */
    public val pid: Long,
    /** The timeout that expired. */
    public val timeout: kotlin.time.Duration,
    whatFollowed: String = "the worker was killed and replaced",
) : CoprocException("task in $processName (pid $pid) ran over its timeout of $timeout; $whatFollowed")

/** A task was submitted to a pool after `close()` or `terminate()`. */
public class PoolClosedException internal constructor(message: String) : CoprocException(message)

/** A task was still pending or running when its pool was terminated. */
public class PoolTerminatedException internal constructor(message: String) : CoprocException(message)
