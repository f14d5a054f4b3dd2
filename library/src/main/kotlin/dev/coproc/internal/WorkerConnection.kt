package dev.coproc.internal

import dev.coproc.ProcessStartException
import dev.coproc.ProtocolException
import dev.coproc.Scheduling
import dev.coproc.WorkerOptions
import dev.coproc.codec.FromWorker
import dev.coproc.codec.ToWorker
import dev.coproc.codec.WireCodec
import dev.coproc.os.ExitStatus
import dev.coproc.os.Fd
import dev.coproc.os.OsException
import dev.coproc.os.Pipes
import dev.coproc.os.Reaper
import dev.coproc.os.Signals
import dev.coproc.os.Spawn
import dev.coproc.wire.Frame
import dev.coproc.wire.FrameException
import dev.coproc.wire.FrameReader
import dev.coproc.wire.FrameWriter
import dev.coproc.wire.Handshake
import java.io.BufferedInputStream
import java.io.IOException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicInteger
import org.slf4j.LoggerFactory

/**
 * The parent's side of one worker JVM: its pid, the pipe that carries commands to it, a reader thread for its
 * replies, and its exit status from the [Reaper].
 *
 * The parent holds the only write end of the command pipe; when this JVM dies, however it dies, the worker
 * reads EOF and exits. The reader thread owns the reply pipe and closes it after EOF.
 */
internal class WorkerConnection private constructor(
    val name: String,
    val pid: Int,
    private val commandFd: Fd,
    private val commands: FrameWriter,
    private val reaped: CompletableFuture<ExitStatus>,
    /** The worker's handshake was read already (by [dev.coproc.StandbyWorkers], while it warmed up). */
    private val greeted: Boolean,
) {
    /**
     * Completes with the worker's exit status once it has been reaped, its prefixed output (if any) has been
     * copied out, so that what a child printed is visible when its join returns, and the reader thread has
     * closed the reply pipe, so that no descriptor of the child is open here once its join returns. A
     * grandchild that keeps an output pipe open, or a listener that holds up the reader thread, delays this by
     * [DRAIN_MILLIS] at most.
     */
    val exit: CompletableFuture<ExitStatus> = CompletableFuture()

    /**
     * Completes once the reader thread has closed the reply pipe. The worker's exit and the end of its reply
     * stream are seen by two threads (the reaper and the reader), in either order: the reader may still be
     * handing the last reply over (a result, whose callbacks run on it) when the worker is reaped.
     */
    private val repliesClosed = CompletableFuture<Unit>()

    /** Receives what the reader thread sees, on that thread. */
    interface Listener {
        fun onMessage(connection: WorkerConnection, message: FromWorker)

        /** The reply stream ended: cleanly (null) or by a protocol error (the worker was then killed). */
        fun onEnd(connection: WorkerConnection, error: ProtocolException?)
    }

    private val peer = "worker $name (pid $pid)"

    /** Sends [message]; blocks while the pipe is full. */
    @Throws(IOException::class)
    fun send(message: ToWorker) = sendEncoded(WireCodec.encode(message))

    /** Sends an already encoded message. */
    @Throws(IOException::class)
    fun sendEncoded(message: ByteArray) {
        commands.write(Frame.MESSAGE, message)
    }

    /** Sends [message], ignoring a worker that has already gone (its exit status will tell why). */
    fun sendQuietly(message: ToWorker) {
        try {
            send(message)
        } catch (e: IOException) {
            log.debug("{}: {}", peer, e.message)
        }
    }

    /**
     * Whether the worker has said hello, which it does once its SIGTERM handler is in place. Before that, the
     * JVM's own handler would turn a SIGTERM into exit code 143 instead of "killed by SIGTERM": a SIGTERM asked
     * for then is held here ([TERM_HELD]) and sent when the hello arrives.
     */
    private val startup = AtomicInteger(if (greeted) GREETED else STARTING)

    /** Sends [signal] to the worker; false when it has already been reaped. */
    fun signal(signal: Int): Boolean {
        if (reaped.isDone) return false
        if (signal == Signals.SIGTERM && startup.compareAndSet(STARTING, TERM_HELD)) return true
        return Signals.send(pid.toLong(), signal)
    }

    private fun greeted() {
        if (startup.getAndSet(GREETED) == TERM_HELD) Signals.send(pid.toLong(), Signals.SIGTERM)
    }

    /** Closes the command pipe: the worker sees EOF and exits. */
    fun closeCommands() = commandFd.close()

    private fun readReplies(reader: FrameReader, first: ByteArray?, listener: Listener) {
        var error: ProtocolException? = null
        try {
            if (first != null) commands.write(Frame.MESSAGE, first)
            if (!greeted) {
                Handshake.receive(reader, peer)
                greeted()
            }
            while (true) {
                val frame = reader.read() ?: break
                if (frame.kind() != Frame.MESSAGE) throw FrameException(FrameException.Reason.CORRUPTED, "$peer sent a second handshake")
                val message = try {
                    WireCodec.decodeFromWorker(frame.payload())
                } catch (e: Exception) {
                    throw ProtocolException(name, pid.toLong(), "$peer sent a message that does not decode: ${e.message}", e)
                }
                listener.onMessage(this, message)
            }
        } catch (e: ProtocolException) {
            error = e
        } catch (e: FrameException) {
            error = ProtocolException(name, pid.toLong(), e.message ?: "$peer broke the protocol", e)
        } catch (e: IOException) {
            // EPIPE or EOF mid-write: the worker died early; its exit status tells the caller why.
            log.debug("{}: {}", peer, e.message)
        }
        if (error == null && !exitsAfterEndOfReplies()) {
            error = ProtocolException(name, pid.toLong(), "$peer closed its reply pipe but did not exit; it was killed")
        }
        if (error != null) {
            log.warn("discarding {}: {}", peer, error.message)
            signal(Signals.SIGKILL)
        }
        reader.close()
        repliesClosed.complete(Unit)
        listener.onEnd(this, error)
    }

    /**
     * The reply pipe ends when the worker exits, so its exit follows at once; a worker still running
     * [EXIT_AFTER_EOF_MILLIS] later has closed the pipe itself (a task closing descriptors it does not own) and
     * can never answer again. True when it exited.
     */
    private fun exitsAfterEndOfReplies(): Boolean = try {
        reaped.get(EXIT_AFTER_EOF_MILLIS, TimeUnit.MILLISECONDS)
        true
    } catch (e: TimeoutException) {
        false
    } catch (e: ExecutionException) {
        true
    }

    companion object {
        private val log = LoggerFactory.getLogger(WorkerConnection::class.java)
        private const val DRAIN_MILLIS = 1_000L
        private const val EXIT_AFTER_EOF_MILLIS = 2_000L
        private const val STARTING = 0
        private const val TERM_HELD = 1
        private const val GREETED = 2
        private const val PIPE_CAPACITY = 1 shl 20

        /**
         * Spawns a worker JVM for [options] and starts its reader thread; [first] (an encoded message) is sent right
         * after the handshake, from that thread, so a large task never blocks the caller. A matching worker
         * started ahead ([StandbyWorkers]) is taken instead of spawning one, when there is one.
         */
        fun start(name: String, options: WorkerOptions, first: ByteArray?, listener: Listener): WorkerConnection {
            val spawned = dev.coproc.StandbyWorkers.take(options) ?: spawn(name, options)
            return connect(spawned, name, first, listener)
        }

        /** Spawns a worker JVM for [options] ([name] only labels its output and errors) and sends it the handshake. */
        fun spawn(name: String, options: WorkerOptions): SpawnedWorker {
            val commandPipe = Pipes.open()
            val replyPipe = Pipes.open()
            // A map chunk of 125,000 ints is 500 KB: with room for it, it crosses in one write and one wake-up.
            Pipes.requestCapacity(commandPipe[1], PIPE_CAPACITY)
            Pipes.requestCapacity(replyPipe[1], PIPE_CAPACITY)
            val outputPipes = if (options.prefixOutput) listOf(Pipes.open(), Pipes.open()) else emptyList()
            val archive = ClassDataArchive.plan(options)
            val pid: Int
            try {
                val spawn = Spawn.of(Scheduling.wrap(WorkerCommand.argv(options, archive), options.niceness, options.cpuAffinity))
                    .mapFd(commandPipe[0], 3)
                    .mapFd(replyPipe[1], 4)
                    .newProcessGroup(options.newProcessGroup)
                options.environment?.let { spawn.environment(it) }
                options.workingDirectory?.let { spawn.directory(it) }
                if (outputPipes.isNotEmpty()) {
                    spawn.stdout(Spawn.Redirect.to(outputPipes[0][1])).stderr(Spawn.Redirect.to(outputPipes[1][1]))
                }
                pid = spawn.start()
            } catch (e: OsException) {
                (commandPipe + replyPipe + outputPipes.flatMap { it.toList() }).forEach { it.close() }
                archive.finish(exitedNormally = false)
                throw ProcessStartException("cannot start worker $name: ${e.message}", e)
            } finally {
                commandPipe[0].close()
                replyPipe[1].close()
                outputPipes.forEach { it[1].close() }
            }
            val reaped = Reaper.get().watch(pid)
            val commands = FrameWriter(commandPipe[1].outputStream(), options.maxFrameSize)
            // The hello is 29 bytes into an empty pipe: it cannot block, and it goes before anything else.
            try {
                Handshake.send(commands, ProcessHandle.current().pid(), options.maxFrameSize)
            } catch (e: IOException) {
                log.debug("worker {} (pid {}) closed its pipe before the handshake: {}", name, pid, e.message)
            }
            val replies = BufferedInputStream(replyPipe[0].inputStream(), 64 * 1024)
            return SpawnedWorker(pid, commandPipe[1], commands, replyPipe[0], replies, reaped, archive, outputPipes, options.maxFrameSize)
        }

        /** Connects a spawned worker to [listener] under [name]: its reader thread starts, and sends [first]. */
        fun connect(spawned: SpawnedWorker, name: String, first: ByteArray?, listener: Listener): WorkerConnection {
            val connection = WorkerConnection(name, spawned.pid, spawned.commandFd, spawned.commands, spawned.reaped, spawned.greeted)
            val drained = spawned.outputPipes.mapIndexed { index, pipe ->
                OutputPrefixer.start(pipe[0], "[$name ${spawned.pid}] ", if (index == 0) System.out else System.err)
            }
            spawned.reaped.whenComplete { status, error ->
                connection.closeCommands()
                spawned.archive.finish(exitedNormally = status?.exited() == true)
                val drainedAndClosed = CompletableFuture.allOf(*drained.toTypedArray(), connection.repliesClosed)
                    .completeOnTimeout(null, DRAIN_MILLIS, TimeUnit.MILLISECONDS)
                drainedAndClosed.whenComplete { _, _ ->
                    if (error != null) connection.exit.completeExceptionally(error) else connection.exit.complete(status)
                }
            }
            val reader = FrameReader(spawned.replyStream, spawned.maxFrameSize, connection.peer)
            val thread = Thread(null, { connection.readReplies(reader, first, listener) }, "coproc-reader-$name", 256 * 1024)
            thread.isDaemon = true
            thread.start()
            return connection
        }
    }
}

/** A spawned worker JVM that has been sent the handshake, not yet connected to a listener. */
internal class SpawnedWorker(
    val pid: Int,
    val commandFd: Fd,
    val commands: FrameWriter,
    val replies: Fd,
    /** Reads [replies]; whoever reads the worker's first frames reads through it, so that nothing read ahead is lost. */
    val replyStream: BufferedInputStream,
    val reaped: CompletableFuture<ExitStatus>,
    val archive: ClassDataArchive.Plan,
    val outputPipes: List<Array<Fd>>,
    val maxFrameSize: Int,
) {
    /** Set once the worker's handshake has been read (a standby worker's, before it is handed out). */
    @Volatile
    var greeted: Boolean = false
}
