package dev.coproc.java.internal

import dev.coproc.Command
import dev.coproc.CommandResult
import dev.coproc.Daemon
import dev.coproc.RunningCommand
import dev.coproc.internal.BlockingIterator
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
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.runBlocking

/**
 * What [dev.coproc.java.JavaCommand], [dev.coproc.java.JavaRunningCommand] and [dev.coproc.java.JavaDaemon]
 * call: the suspending calls of commands and daemons, blocking on the caller's thread (an interrupt cancels
 * the call, which kills the command's process group, and throws [InterruptedException]) or as futures.
 */
internal object CommandCalls {
    @JvmStatic
    @Throws(InterruptedException::class)
    fun run(command: Command): CommandResult =
        if (CommandInCallerThread.canRun(command.settings)) CommandInCallerThread.run(command) else runBlocking { command.run() }

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
    @Throws(InterruptedException::class, IOException::class)
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
 * A command's piped output as a Java [InputStream]: a coroutine collects the flow into a few chunks ahead (so a
 * slow reader holds the command back rather than memory growing), and [read] takes them, blocking; a chunk is
 * never lost to an interrupt, which throws [java.io.InterruptedIOException] with the thread's flag kept. Closing
 * the stream stops the collection and lets go of the pipe.
 */
private class FlowInputStream(flow: Flow<ByteArray>) : InputStream() {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    private val chunks = BlockingIterator.of(flow, scope, 4)
    private var current = ByteArray(0)
    private var position = 0

    override fun read(): Int {
        val one = ByteArray(1)
        return if (read(one, 0, 1) < 0) -1 else one[0].toInt() and 0xff
    }

    @Synchronized
    override fun read(buffer: ByteArray, offset: Int, length: Int): Int {
        java.util.Objects.checkFromIndexSize(offset, length, buffer.size)
        if (length == 0) return 0
        while (position == current.size) {
            val more = try {
                chunks.hasNext()
            } catch (e: java.util.concurrent.CancellationException) {
                if (Thread.currentThread().isInterrupted) throw java.io.InterruptedIOException("interrupted while reading the command's output")
                return -1 // closed
            } catch (e: Exception) {
                throw IOException("reading the command's output failed: $e", e)
            }
            if (!more) return -1
            current = chunks.next()
            position = 0
        }
        val count = minOf(length, current.size - position)
        System.arraycopy(current, position, buffer, offset, count)
        position += count
        return count
    }

    @Synchronized
    override fun available(): Int = current.size - position

    override fun close() {
        chunks.close()
        scope.cancel()
    }
}
