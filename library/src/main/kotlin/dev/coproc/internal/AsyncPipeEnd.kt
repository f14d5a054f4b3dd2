package dev.coproc.internal

import dev.coproc.os.Fd
import dev.coproc.os.FdPoller
import dev.coproc.os.OsException
import dev.coproc.os.internal.LibC
import java.io.IOException
import jnr.ffi.Memory
import jnr.ffi.Pointer
import kotlin.coroutines.resume
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * This process's end of an OS pipe to a command, read or written without blocking a thread: the end is made
 * non-blocking (only ours: the child's end is another open file, so its reads and writes stay blocking) and
 * a call that would block suspends until the [FdPoller] sees the pipe ready. One reader or one writer at a time.
 */
internal class AsyncPipeEnd(private val fd: Fd) : AutoCloseable {
    private val scratch: Pointer = Memory.allocateDirect(LibC.runtime(), CHUNK.toLong(), true)

    init {
        val libc = LibC.get()
        val flags = libc.fcntl(fd.number(), LibC.F_GETFL, 0)
        if (flags < 0 || libc.fcntl(fd.number(), LibC.F_SETFL, flags or LibC.O_NONBLOCK) < 0) {
            throw OsException("fcntl(O_NONBLOCK)", LibC.errno())
        }
    }

    /** The next bytes the command wrote, at most [CHUNK] of them; null at end of stream. */
    suspend fun read(): ByteArray? {
        while (true) {
            val n = LibC.get().read(fd.number(), scratch, CHUNK.toLong())
            if (n > 0) return ByteArray(n.toInt()).also { scratch.get(0, it, 0, it.size) }
            if (n == 0L) return null
            val errno = LibC.errno()
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
            val count = minOf(CHUNK, bytes.size - done)
            scratch.put(0, bytes, done, count)
            val n = LibC.get().write(fd.number(), scratch, count.toLong())
            if (n > 0) {
                done += n.toInt()
                continue
            }
            val errno = LibC.errno()
            when (errno) {
                LibC.EINTR -> continue
                LibC.EAGAIN -> awaitReady(FdPoller.WRITABLE)
                else -> throw IOException(OsException("write to a command's input", errno))
            }
        }
    }

    private suspend fun awaitReady(events: Short) = suspendCancellableCoroutine { continuation ->
        val wait = FdPoller.get().await(fd.number(), events) { continuation.resume(Unit) }
        continuation.invokeOnCancellation { wait.cancel() }
    }

    override fun close() = fd.close()

    companion object {
        const val CHUNK = 64 * 1024
    }
}
