package dev.coproc.internal.codec

import kotlinx.serialization.Serializable

/** What the parent tells a worker. A sealed set: nothing outside it decodes ([ProtocolCodec] carries it). */
internal sealed interface ToWorker {
    /**
     * Run [task] (encoded [taskType]) as process [processName]. With [exitAfter], the next [Shutdown] exits
     * with 0 or 1 depending on this task's outcome, as Python's `exitcode` after `run()`. With
     * [keepHandles] (a pool's initializer), the handles decoded with the task stay open for the worker's life.
     */
    class Run(
        val id: Long,
        val processName: String,
        val taskType: String,
        val task: ByteArray,
        val exitAfter: Boolean,
        val keepHandles: Boolean = false,
    ) : ToWorker

    /** Apply [function] (encoded [functionType]) to each of [items] (an encoded list); reply with a list. */
    class Map(
        val id: Long,
        val processName: String,
        val functionType: String,
        val function: ByteArray,
        val items: ByteArray,
    ) : ToWorker

    /** Run each of [tasks] (an encoded list of [taskType]) in order; reply with the list of results. */
    class RunTasks(val id: Long, val processName: String, val taskType: String, val tasks: ByteArray) : ToWorker

    /** Cancel the coroutine running task [id]. */
    class Cancel(val id: Long) : ToWorker

    /** Exit now: 0, or the code an exit-after task left. */
    data object Shutdown : ToWorker
}

/** What a worker answers. */
internal sealed interface FromWorker {
    /** Task [id] was decoded and its coroutine is about to run. */
    class Started(val id: Long) : FromWorker

    class Succeeded(val id: Long, val result: ByteArray) : FromWorker

    class Failed(val id: Long, val error: RemoteError) : FromWorker

    /** Task [id] stopped after a [ToWorker.Cancel]. */
    class Cancelled(val id: Long) : FromWorker
}

/**
 * An exception from the other side as plain data: class name, message, frames, cause. Made from any
 * throwable without failing (a `getMessage()` that throws is reported, not rethrown) and bounded in size, so
 * that a task's failure always reaches its caller.
 */
@Serializable
internal class RemoteError(
    val className: String,
    val message: String?,
    val stackTrace: List<RemoteFrame>,
    val cause: RemoteError? = null,
) {
    /**
     * The same error in a few kilobytes at most: its message and class name cut short, its first frames, one
     * cause. For a failure whose full form is over the frame limit.
     */
    fun compact(): RemoteError = RemoteError(
        cut(className, COMPACT_CHARS),
        message?.let { cut(it, COMPACT_CHARS) },
        stackTrace.take(COMPACT_FRAMES),
        cause?.let { RemoteError(cut(it.className, COMPACT_CHARS), it.message?.let { m -> cut(m, COMPACT_CHARS) }, emptyList()) },
    )

    companion object {
        private const val MAX_CAUSES = 8
        private const val MAX_MESSAGE_CHARS = 64 * 1024
        private const val MAX_FRAMES = 1024
        private const val COMPACT_CHARS = 200
        private const val COMPACT_FRAMES = 8

        fun of(error: Throwable, depth: Int = 0): RemoteError = RemoteError(
            className = error.javaClass.name,
            message = messageOf(error)?.let { cut(it, MAX_MESSAGE_CHARS) },
            stackTrace = (runCatching { error.stackTrace }.getOrNull() ?: emptyArray()).take(MAX_FRAMES).map {
                RemoteFrame(it.className, it.methodName, it.fileName, it.lineNumber)
            },
            cause = runCatching { error.cause }.getOrNull()?.takeIf { it !== error && depth < MAX_CAUSES }?.let { of(it, depth + 1) },
        )

        /** The message, or what went wrong reading it: an overridden `getMessage()` may throw. */
        private fun messageOf(error: Throwable): String? = try {
            error.message
        } catch (failure: Throwable) {
            val reason = try {
                failure.message
            } catch (_: Throwable) {
                null
            }
            "(getMessage() threw ${failure.javaClass.name}${reason?.let { ": " + cut(it, COMPACT_CHARS) } ?: ""})"
        }

        private fun cut(text: String, max: Int): String =
            if (text.length <= max) text else text.take(max) + "… [${text.length - max} characters cut]"
    }
}

@Serializable
internal class RemoteFrame(val className: String, val methodName: String, val fileName: String?, val line: Int)
