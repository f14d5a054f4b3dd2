package dev.coproc.internal

import dev.coproc.internal.os.Fd
import dev.coproc.internal.os.FdPoller
import dev.coproc.internal.os.OsException
import dev.coproc.internal.os.UnixSocket
import java.io.IOException

/**
 * This process's end of an OS pipe to a command, read or written without blocking a thread: the end is made
 * non-blocking (only ours: the child's end is another open file, so its reads and writes stay blocking) and
 * a call that would block suspends until the [FdPoller] sees the pipe ready. One reader or one writer at a time.
 */
internal class AsyncPipeEnd(val fd: Fd) : AutoCloseable {
    init {
        fd.setNonBlocking()
    }

    private var input: ByteArray? = null

    /** The next bytes the command wrote, at most [CHUNK] of them; null at end of stream. */
    suspend fun read(): ByteArray? {
        val buffer = input ?: ByteArray(CHUNK).also { input = it }
        while (true) {
            val n = try {
                fd.readNow(buffer, 0, CHUNK)
            } catch (e: OsException) {
                throw IOException("read from a command's pipe failed: ${e.message}", e)
            }
            if (n > 0) return buffer.copyOf(n)
            if (n == 0) return null
            awaitFd(fd.number(), FdPoller.READABLE)
        }
    }

    /**
     * Writes all of [bytes] to the command's input.
     *
     * @throws IOException when the command closed its input (EPIPE) or another error
     */
    suspend fun write(bytes: ByteArray) {
        var done = 0
        while (done < bytes.size) {
            val n = try {
                fd.writeNow(bytes, done, bytes.size - done)
            } catch (e: OsException) {
                throw IOException("write to a command's input failed: ${e.message}", e)
            }
            if (n == UnixSocket.WOULD_BLOCK) awaitFd(fd.number(), FdPoller.WRITABLE) else done += n
        }
    }

    override fun close() = fd.close()

    companion object {
        const val CHUNK = 64 * 1024
    }
}
