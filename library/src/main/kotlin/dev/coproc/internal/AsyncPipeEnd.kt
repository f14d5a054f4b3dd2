package dev.coproc.internal

import dev.coproc.os.Fd
import dev.coproc.os.FdPoller
import dev.coproc.os.OsException
import dev.coproc.os.internal.LibC
import java.io.IOException
import dev.coproc.os.UnixSocket.HeapIo
import java.nio.ByteBuffer
import jnr.ffi.LastError

/**
 * This process's end of an OS pipe to a command, read or written without blocking a thread: the end is made
 * non-blocking (only ours: the child's end is another open file, so its reads and writes stay blocking) and
 * a call that would block suspends until the [FdPoller] sees the pipe ready. One reader or one writer at a time.
 */
internal class AsyncPipeEnd(private val fd: Fd) : AutoCloseable {
    init {
        val libc = LibC.get()
        val flags = libc.fcntl(fd.number(), LibC.F_GETFL, 0)
        if (flags < 0 || libc.fcntl(fd.number(), LibC.F_SETFL, flags or LibC.O_NONBLOCK) < 0) {
            throw OsException("fcntl(O_NONBLOCK)", LibC.errno())
        }
    }

    private var input: ByteArray? = null

    /** The next bytes the command wrote, at most [CHUNK] of them; null at end of stream. */
    suspend fun read(): ByteArray? {
        val buffer = input ?: ByteArray(CHUNK).also { input = it }
        while (true) {
            val n = HeapIo.CALLS.read(fd.number(), ByteBuffer.wrap(buffer), CHUNK.toLong())
            if (n > 0) return buffer.copyOf(n.toInt())
            if (n == 0L) return null
            val errno = LastError.getLastError(HeapIo.RUNTIME)
            when (errno) {
                LibC.EINTR -> continue
                LibC.EAGAIN -> awaitReady(FdPoller.READABLE)
                else -> throw IOException(OsException("read from a command's pipe", errno))
            }
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
            val n = HeapIo.CALLS.write(fd.number(), ByteBuffer.wrap(bytes, done, bytes.size - done), (bytes.size - done).toLong())
            if (n > 0) {
                done += n.toInt()
                continue
            }
            val errno = LastError.getLastError(HeapIo.RUNTIME)
            when (errno) {
                LibC.EINTR -> continue
                LibC.EAGAIN -> awaitReady(FdPoller.WRITABLE)
                else -> throw IOException(OsException("write to a command's input", errno))
            }
        }
    }

    private suspend fun awaitReady(events: Short) = awaitFd(fd.number(), events)

    override fun close() = fd.close()

    companion object {
        const val CHUNK = 64 * 1024
    }
}
