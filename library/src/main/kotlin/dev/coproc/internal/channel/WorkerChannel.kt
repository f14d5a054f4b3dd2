package dev.coproc.internal.channel

import dev.coproc.internal.codec.FromWorker
import dev.coproc.internal.codec.ToWorker
import dev.coproc.internal.codec.WireCodec
import dev.coproc.os.ExitStatus
import dev.coproc.os.Signals
import dev.coproc.internal.wire.Frame
import dev.coproc.internal.wire.FrameException
import dev.coproc.internal.wire.FrameReader
import dev.coproc.internal.wire.FrameWriter
import dev.coproc.internal.wire.Handshake
import dev.coproc.internal.wire.HeldFrames
import dev.coproc.internal.wire.ReadAheadInput
import dev.coproc.internal.os.Fd
import dev.coproc.internal.os.SharedMemory
import java.io.IOException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.slf4j.LoggerFactory

/**
 * The parent's side of one worker JVM: its pid, the pipe that carries commands to it, a reader thread for its
 * replies, and its exit status from the [dev.coproc.internal.os.Reaper].
 *
 * The parent holds the only write end of the command pipe; when this JVM dies, however it dies, the worker
 * reads EOF and exits. The reader thread owns the reply pipe and closes it after EOF.
 */
internal class WorkerChannel private constructor(
    val name: String,
    val pid: Int,
    private val commandFd: Fd,
    private val commands: FrameWriter,
    /** The reply pipe, read ahead: what it holds beyond the frame being handled tells that more replies wait. */
    private val replyStream: ReadAheadInput,
    private val reaped: CompletableFuture<ExitStatus>,
    private val maxFrameSize: Int,
    /** The worker's handshake was read already (by the [StandbySet], while it warmed up). */
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
        fun onMessage(connection: WorkerChannel, message: FromWorker)

        /**
         * Whether the commands sent while a reply is handled, with more replies already read, may wait for the
         * last of them and go in one write. A pool's worker answers each reply with its next task; a Process
         * runs callers' callbacks on this thread, which must not hold back its shutdown.
         */
        val batchesCommands: Boolean get() = false

        /** The reply stream ended: cleanly (null) or by a protocol error (the worker was then killed). */
        fun onEnd(connection: WorkerChannel, error: WorkerFailure.Protocol?)
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

    /**
     * Sends [message] from a coroutine: a large frame is written on the IO dispatcher, since it blocks until the
     * worker reads. A worker already gone is ignored: its end says how it went.
     *
     * @throws WorkerFailure.TooLarge when it is over the frame limit: nothing was sent, the worker is fine
     */
    suspend fun post(message: ToWorker) {
        val bytes = WireCodec.encode(message)
        try {
            if (bytes.size <= SMALL_FRAME) {
                sendEncoded(bytes)
            } else {
                withContext(Dispatchers.IO) { sendEncoded(bytes) }
            }
        } catch (e: FrameException) {
            // Not a worker gone: taken for one, the caller would wait for a reply that never comes.
            throw WorkerFailure.TooLarge("a message for $name encodes to ${bytes.size} bytes, over maxFrameSize ($maxFrameSize bytes)", e)
        } catch (e: IOException) {
            log.debug("{}: {}", peer, e.message)
        }
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

    /**
     * Completes once a SIGTERM has been sent to the worker: at once, or at its hello when it was held. A grace
     * period before a SIGKILL starts here, not when the SIGTERM was asked for: a JVM slow to start (a loaded
     * machine) would otherwise be killed before it ever got the SIGTERM.
     */
    val terminationSent: CompletableFuture<Unit> = CompletableFuture()

    /** Sends [signal] to the worker; false when it has already been reaped. */
    fun signal(signal: Int): Boolean {
        if (reaped.isDone) return false
        if (signal == Signals.SIGTERM && startup.compareAndSet(STARTING, TERM_HELD)) return true
        return Signals.send(pid.toLong(), signal).also { if (signal == Signals.SIGTERM) terminationSent.complete(Unit) }
    }

    private fun greeted() {
        if (startup.getAndSet(GREETED) == TERM_HELD) {
            Signals.send(pid.toLong(), Signals.SIGTERM)
            terminationSent.complete(Unit)
        }
    }

    /** Closes the command pipe: the worker sees EOF and exits. */
    fun closeCommands() = commandFd.close()

    private fun readReplies(reader: FrameReader, first: ByteArray?, listener: Listener, heldReplies: SharedMemory) {
        var error: WorkerFailure.Protocol? = null
        // The pipe ended mid-frame: the worker died writing, maybe a run of held replies whose rest is in memory.
        var truncated = false
        val batching = listener.batchesCommands
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
                    throw WorkerFailure.Protocol(name, pid.toLong(), "$peer sent a message that does not decode: ${e.message}", e)
                }
                // Replies read ahead: the commands they answer with (a pool's next tasks) wait, and go in one
                // write before the last of them is handled. A write and the worker's wake-up per task cost more
                // than a small task.
                if (batching) {
                    if (replyStream.hasMore()) commands.cork() else uncorkQuietly()
                }
                listener.onMessage(this, message)
            }
        } catch (e: WorkerFailure.Protocol) {
            error = e
        } catch (e: FrameException) {
            truncated = e.reason() == FrameException.Reason.TRUNCATED
            error = WorkerFailure.Protocol(name, pid.toLong(), e.message ?: "$peer broke the protocol", e)
        } catch (e: IOException) {
            // EPIPE or EOF mid-write: the worker died early; its exit status tells the caller why.
            log.debug("{}: {}", peer, e.message)
        } catch (e: Throwable) {
            // A listener's failure ends this thread, as before; what it held back still goes.
            uncorkQuietly()
            heldReplies.close()
            throw e
        }
        try {
            if (error == null || truncated) deliverHeld(heldReplies, listener)
        } finally {
            heldReplies.close()
        }
        // A worker about to be killed is sent nothing more (its pipe may be full: the kill would wait).
        if (error == null) uncorkQuietly() else commands.dropHeld()
        if (error == null && !exitsAfterEndOfReplies()) {
            error = WorkerFailure.Protocol(name, pid.toLong(), "$peer closed its reply pipe but did not exit; it was killed")
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
     * The replies the worker still held back when its reply pipe ended ([HeldFrames]): it died (killed, or
     * halted by a task) after their tasks ran, so they are delivered rather than lost, and those tasks not run
     * again. One it had sent already comes again here: the listener ignores an answer to an id it no longer
     * waits for. One that does not decode is left out, as a torn frame is.
     */
    private fun deliverHeld(heldReplies: SharedMemory, listener: Listener) {
        for (frame in HeldFrames.left(heldReplies.buffer(), maxFrameSize, peer)) {
            if (frame.kind() != Frame.MESSAGE) continue
            val message = try {
                WireCodec.decodeFromWorker(frame.payload())
            } catch (e: Exception) {
                log.debug("{}: a held reply does not decode: {}", peer, e.message)
                continue
            }
            listener.onMessage(this, message)
        }
    }

    /** Sends the commands held back while replies were handled; a worker already gone is ignored, as in [post]. */
    private fun uncorkQuietly() {
        try {
            commands.uncork()
        } catch (e: IOException) {
            log.debug("{}: {}", peer, e.message)
        }
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
        private val log = LoggerFactory.getLogger(WorkerChannel::class.java)
        private const val DRAIN_MILLIS = 1_000L
        private const val EXIT_AFTER_EOF_MILLIS = 2_000L
        private const val SMALL_FRAME = 32 * 1024
        private const val STARTING = 0
        private const val TERM_HELD = 1
        private const val GREETED = 2
        
        /**
         * Spawns a worker JVM for [launch] and starts its reader thread; [first] (an encoded message) is sent right
         * after the handshake, from that thread, so a large task never blocks the caller. A matching worker
         * started ahead ([StandbySet]) is taken instead of spawning one, when there is one.
         *
         * @throws WorkerFailure.StartFailed when the worker JVM cannot be started
         */
        fun start(name: String, launch: WorkerLaunch, first: ByteArray?, listener: Listener): WorkerChannel {
            val spawned = StandbySet.take(launch) ?: SpawnedWorker.spawn(name, launch)
            return connect(spawned, name, first, listener)
        }

        /** Connects a spawned worker to [listener] under [name]: its reader thread starts, and sends [first]. */
        fun connect(spawned: SpawnedWorker, name: String, first: ByteArray?, listener: Listener): WorkerChannel {
            val connection = WorkerChannel(name, spawned.pid, spawned.commandFd, spawned.commands, spawned.replyStream, spawned.reaped, spawned.maxFrameSize, spawned.greeted)
            val drained = spawned.outputPipes.mapIndexed { index, pipe ->
                OutputPrefixer.start(pipe[0], "[$name ${spawned.pid}] ", if (index == 0) System.out else System.err)
            }
            spawned.reaped.whenComplete { status, error ->
                connection.closeCommands()
                spawned.archive.finish()
                val drainedAndClosed = CompletableFuture.allOf(*drained.toTypedArray(), connection.repliesClosed)
                    .completeOnTimeout(null, DRAIN_MILLIS, TimeUnit.MILLISECONDS)
                drainedAndClosed.whenComplete { _, _ ->
                    if (error != null) connection.exit.completeExceptionally(error) else connection.exit.complete(status)
                }
            }
            val reader = FrameReader(spawned.replyStream, spawned.maxFrameSize, connection.peer)
            val thread = Thread(null, { connection.readReplies(reader, first, listener, spawned.heldReplies) }, "coproc-reader-$name", 256 * 1024)
            thread.isDaemon = true
            thread.start()
            return connection
        }
    }
}
