package dev.coproc.java.internal

import dev.coproc.Command
import dev.coproc.CommandResult
import dev.coproc.Daemon
import dev.coproc.RunningCommand
import dev.coproc.internal.javaFuture
import dev.coproc.internal.toTimeout
import dev.coproc.os.ExitStatus
import java.io.IOException
import java.io.InputStream
import java.nio.file.Path
import java.util.Optional
import java.util.concurrent.CompletableFuture
import kotlin.time.toKotlinDuration
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

/**
 * What [dev.coproc.java.JavaCommand], [dev.coproc.java.JavaRunningCommand] and [dev.coproc.java.JavaDaemon]
 * call: the suspending calls of commands and daemons, blocking on the caller's thread (an interrupt cancels
 * the call, which kills the command's process group, and throws [InterruptedException]) or as futures.
 */
internal object CommandCalls {
    @JvmStatic
    @Throws(InterruptedException::class)
    fun run(command: Command): CommandResult = runBlocking { command.run() }

    @JvmStatic
    fun runAsync(command: Command): CompletableFuture<CommandResult> = javaFuture { command.run() }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun result(running: RunningCommand): CommandResult = runBlocking { running.result() }

    /** Waits for its end up to [timeout] (null: no limit). An interrupt leaves the command running. */
    @JvmStatic
    @Throws(InterruptedException::class)
    fun await(running: RunningCommand, timeout: java.time.Duration?): Optional<ExitStatus> =
        Optional.ofNullable(runBlocking { if (timeout == null) running.await() else running.await(timeout.toKotlinDuration()) })

    @JvmStatic
    @Throws(InterruptedException::class)
    fun writeStdin(running: RunningCommand, bytes: ByteArray) = runBlocking { running.writeStdin(bytes) }

    @JvmStatic
    fun stdout(running: RunningCommand): InputStream = FlowInputStream(running.takeOutput(stderr = false))

    @JvmStatic
    fun stderr(running: RunningCommand): InputStream = FlowInputStream(running.takeOutput(stderr = true))

    @JvmStatic
    @Throws(InterruptedException::class)
    fun stop(daemon: Daemon): Boolean = runBlocking { daemon.stop() }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun restart(daemon: Daemon): Long = runBlocking { daemon.restart() }

    @JvmStatic
    fun daemon(command: Command, pidFile: Path, logFile: Path?, directory: Path, umask: Int, stopGrace: java.time.Duration): Daemon =
        Daemon(command, pidFile, logFile, directory, umask, stopGrace.toKotlinDuration())

    @JvmStatic
    fun timeout(command: Command, timeout: java.time.Duration): Command = command.timeout(timeout.toTimeout())

    @JvmStatic
    fun terminateGrace(command: Command, grace: java.time.Duration): Command = command.terminateGrace(grace.toKotlinDuration())
}

/**
 * A command's piped output as a Java [InputStream]: a coroutine collects the flow into a channel of a few
 * chunks (so a slow reader holds the command back rather than memory growing), and [read] takes from it,
 * blocking. Closing the stream stops the collection and lets go of the pipe.
 */
private class FlowInputStream(flow: Flow<ByteArray>) : InputStream() {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    private val chunks = Channel<ByteArray>(4)
    private var current = ByteArray(0)
    private var position = 0
    private var ended = false

    init {
        // ATOMIC: closed before it starts, the collection still runs its flow's finally, which closes the pipe.
        scope.launch(start = CoroutineStart.ATOMIC) {
            try {
                flow.collect { chunks.send(it) }
                chunks.close()
            } catch (e: Throwable) {
                chunks.close(e)
            }
        }
    }

    override fun read(): Int {
        val one = ByteArray(1)
        return if (read(one, 0, 1) < 0) -1 else one[0].toInt() and 0xff
    }

    override fun read(buffer: ByteArray, offset: Int, length: Int): Int {
        java.util.Objects.checkFromIndexSize(offset, length, buffer.size)
        if (length == 0) return 0
        while (position == current.size) {
            if (ended) return -1
            val next = try {
                runBlocking { chunks.receiveCatching() }
            } catch (e: InterruptedException) {
                Thread.currentThread().interrupt()
                throw java.io.InterruptedIOException("interrupted while reading the command's output")
            }
            if (next.isClosed) {
                ended = true
                next.exceptionOrNull()?.let { throw IOException("reading the command's output failed: $it", it) }
                return -1
            }
            current = next.getOrThrow()
            position = 0
        }
        val count = minOf(length, current.size - position)
        System.arraycopy(current, position, buffer, offset, count)
        position += count
        return count
    }

    override fun available(): Int = current.size - position

    override fun close() {
        ended = true
        scope.cancel()
        chunks.cancel()
    }
}
