package dev.coproc

import dev.coproc.internal.os.LibC
import java.nio.file.Files
import java.nio.file.Path
import kotlinx.coroutines.awaitCancellation
import kotlinx.serialization.Serializable

/** An exception whose message cannot be read: `getMessage()` itself throws. */
class UnreadableMessageException : RuntimeException() {
    override val message: String get() = throw IllegalStateException("getMessage() refuses")
}

@Serializable
class ThrowUnreadable : Task<Int> {
    override suspend fun run(): Int = throw UnreadableMessageException()
}

/** Throws an exception whose message is [chars] characters long. */
@Serializable
class ThrowHugeMessage(val chars: Int) : Task<Int> {
    override suspend fun run(): Int = throw IllegalArgumentException("huge:" + "x".repeat(chars))
}

/**
 * Closes every descriptor of the worker that points at its protocol pipes (fds 3 and 4 and the copies the
 * worker opened through /proc/self/fd), then waits: its reply can no longer reach the parent.
 */
@Serializable
class ClosePipes : Task<Int> {
    override suspend fun run(): Int {
        val protocol = setOf(target(3), target(4))
        val fds = Files.list(Path.of("/proc/self/fd")).use { entries -> entries.map { it.fileName.toString().toInt() }.toList() }
        for (fd in fds) if (runCatching { target(fd) }.getOrNull() in protocol) LibC.get().close(fd)
        awaitCancellation()
    }

    private fun target(fd: Int): String = Files.readSymbolicLink(Path.of("/proc/self/fd/$fd")).toString()
}

@Serializable
object StringLength : TaskFunction<String, Int> {
    override suspend fun run(item: String): Int = item.length
}
