package dev.coproc.worker

import dev.coproc.internal.codec.FromWorker
import dev.coproc.internal.codec.RemoteError
import dev.coproc.internal.codec.ToWorker
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.handles.DecodedHandles
import dev.coproc.currentProcessName
import dev.coproc.os.Signals
import dev.coproc.internal.wire.Frame
import dev.coproc.internal.wire.FrameException
import dev.coproc.internal.wire.FrameReader
import dev.coproc.internal.wire.FrameWriter
import dev.coproc.internal.wire.Frames
import dev.coproc.internal.wire.Handshake
import dev.coproc.internal.wire.ReadAheadInput
import dev.coproc.internal.wire.HeldFrames
import java.nio.channels.FileChannel
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardOpenOption
import java.io.BufferedOutputStream
import java.io.FileInputStream
import java.io.FileOutputStream
import java.io.IOException
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.locks.LockSupport
import kotlin.system.exitProcess
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.job
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import dev.coproc.Event
import dev.coproc.ReadOnlyBytes
import dev.coproc.Task
import dev.coproc.TaskCodec
import dev.coproc.WarmUpTask
import dev.coproc.internal.ParentDeathCleanup
import dev.coproc.internal.channel.ClassDataArchive
import dev.coproc.internal.channel.SpawnedWorker
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import sun.misc.Signal

/**
 * The main class of a worker JVM. It speaks the protocol on fds 3 (commands in) and 4 (replies out), which
 * the parent placed there; stdout and stderr stay free for the task's own output.
 *
 * Start-up touches only JDK classes, kotlinx-serialization and coroutines (no jnr), since every millisecond
 * here is paid by each new process.
 */
public object WorkerMain {
    /** Exit code when the parent is gone (EOF on the command pipe without a shutdown). */
    internal const val PARENT_DIED = 70
    /** Exit code when the parent broke the protocol. */
    internal const val PROTOCOL_ERROR = 71
    private const val TERM_GRACE_MILLIS = 1_000L

    private val scope by lazy { CoroutineScope(SupervisorJob() + Dispatchers.Default) }
    private val running = ConcurrentHashMap<Long, Job>()
    @Volatile
    private var baton: ReadingBaton? = null

    private fun baton(reader: FrameReader): ReadingBaton =
        baton ?: synchronized(this) { baton ?: ReadingBaton { readCommands(reader) }.also { baton = it } }

    private val tasks = TaskQueue()
    private val cancelled: MutableSet<Long> = ConcurrentHashMap.newKeySet()
    private lateinit var writer: FrameWriter
    private lateinit var input: ReadAheadInput

    /** Where held replies stay readable for the parent if this worker dies; null: replies are never held. */
    private var heldReplies: HeldFrames? = null

    /** The exit code after the last exit-after task: 0 when it succeeded, 1 when it threw (as Python). */
    @Volatile
    private var exitCode = 0

    /** Set by SIGTERM: tasks cancelled by it neither reply nor exit, the signal handler ends the JVM. */
    @Volatile
    private var terminating = false

    /**
     * Entry point of a worker JVM. Only a launcher named by `WorkerOptions.mainClass` calls it: in the process
     * coproc started, with the arguments it was given, leaving fds 3 and 4 (the protocol's pipes) alone.
     */
    @JvmStatic
    public fun main(args: Array<String>) {
        val maxPayload = System.getProperty("coproc.maxFrame")?.toIntOrNull() ?: Frames.DEFAULT_MAX_PAYLOAD
        // Opening /proc/self/fd/N needs no --add-opens; the inherited 3 and 4 stay open until exit.
        input = ReadAheadInput(FileInputStream("/proc/self/fd/3"), 64 * 1024)
        val output = BufferedOutputStream(FileOutputStream("/proc/self/fd/4"), 64 * 1024)
        // Before the hello: the parent holds a SIGTERM back until the hello, which tells it this handler is in place.
        handleTerminate()
        val reader = FrameReader(input, maxPayload, "parent")
        val pid = ProcessHandle.current().pid()
        val parentHello = try {
            FrameWriter(output, Int.MAX_VALUE).let { Handshake.send(it, pid, maxPayload) }
            Handshake.receive(reader, "parent")
        } catch (e: Exception) {
            System.err.println("coproc worker $pid: ${e.message}")
            exitProcess(PROTOCOL_ERROR)
        }
        heldReplies = mapHeldReplies()
        writer = FrameWriter(output, parentHello.maxPayload(), heldReplies)
        if (System.getProperty(ClassDataArchive.TRAINING) != null) train()
        readCommands(reader)
        // A long task kept this thread and the reading went on in a new one. Returning from main would leave the
        // JVM to its other non-daemon threads, and while the watchdog is still starting that new thread there is
        // none: the JVM would exit with 0, under a running task and with the parent's next one on its way. A
        // worker ends only by an explicit exit or halt, so this thread stays, parked.
        while (true) LockSupport.park(this)
    }

    /** Reads commands and runs tasks on this thread, until the [ReadingBaton] passes the reading on. */
    private fun readCommands(reader: FrameReader) {
        while (true) {
            holdRepliesWhileCommandsWait()
            val frame = try {
                reader.read()
            } catch (e: Exception) {
                System.err.println("coproc worker: ${e.message}")
                Runtime.getRuntime().halt(PROTOCOL_ERROR)
                return
            }
            if (frame == null) {
                // Only the parent holds the write end, so EOF without a shutdown means the parent died.
                haltWithoutParent(PARENT_DIED)
                return
            }
            if (frame.kind() != Frame.MESSAGE) continue
            val message = try {
                WireCodec.decodeToWorker(frame.payload())
            } catch (e: Exception) {
                System.err.println("coproc worker: the parent sent a message that does not decode: ${e.message}")
                Runtime.getRuntime().halt(PROTOCOL_ERROR)
                return
            }
            when (message) {
                is ToWorker.Run, is ToWorker.Map, is ToWorker.RunTasks -> {
                    val stillReading = baton(reader).runInline {
                        when (message) {
                            is ToWorker.Run -> run(message)
                            is ToWorker.Map -> map(message)
                            is ToWorker.RunTasks -> runTasks(message)
                            // Smart casts from the outer branch narrow `message` only from Kotlin 2.3 on.
                            is ToWorker.Cancel, ToWorker.Shutdown -> error("not a task message: $message")
                        }
                    }
                    if (!stillReading) return
                }
                is ToWorker.Cancel -> cancel(message.id)
                ToWorker.Shutdown -> {
                    runCatching { writer.uncork() }
                    flushStandardStreams()
                    ClassDataArchive.record()
                    // Exiting from this thread, now out of its blocking read: HotSpot's exit waits up to 300 ms
                    // for threads blocked in native code, and this was the only one.
                    exitProcess(exitCode)
                }
            }
        }
    }

    /**
     * Holds the replies back while more commands are already here, so the replies to a run of tiny tasks go
     * in one write once the last has run, instead of a write (and a wake-up of the parent's reader) each: the
     * parent sends a pool's tasks ahead in runs, and answers a run of replies with one write too. A reply
     * waits at most as long as the commands read with it take to start: a task that keeps this thread past
     * the hand-over time gets the reading taken from it, and the new reading thread sends what is held once
     * the commands here are read. A worker being terminated holds nothing back (see [handleTerminate]). What
     * is held is mirrored in shared memory the parent reads if this worker dies ([HeldFrames]): a task killed
     * or halting its worker loses no reply of the tasks before it, which would otherwise run again.
     */
    private fun holdRepliesWhileCommandsWait() {
        val more = try {
            input.hasMore()
        } catch (e: IOException) {
            false
        }
        if (more && !terminating && heldReplies != null) {
            writer.cork()
            // Read after the cork: a SIGTERM's handler sets the flag before it sends what is held.
            if (terminating) sendHeldReplies()
        } else {
            sendHeldReplies()
        }
    }

    /**
     * In the worker recording the class-data archive: loads what tasks commonly need, so that every later
     * worker maps it instead of loading it: the task path, and the native calls behind any handle (a shared
     * object, a pipe end, read-only data; [WarmUpTask] binds them). Best effort: a failure only leaves the
     * archive smaller.
     */
    private fun train() {
        runCatching { warmUp() }
        runCatching { trainingClasses() }
    }

    /**
     * The classes [train] loads: evaluating a class literal loads its class without initializing it, enough for
     * the archive to record it, and only in the worker that trains.
     */
    private fun trainingClasses(): List<Class<*>> = listOf(
        dev.coproc.internal.os.FdSharer::class.java, dev.coproc.internal.os.UnixSocket::class.java, dev.coproc.internal.os.SharedMemory::class.java,
        dev.coproc.internal.shm.SharedSegment::class.java, dev.coproc.internal.shm.Bell::class.java, dev.coproc.SharedObject::class.java,
        dev.coproc.ReadOnlyData::class.java, dev.coproc.internal.handles.HandOver::class.java, dev.coproc.internal.handles.DecodedHandles::class.java,
        dev.coproc.internal.wire.FramedSocket::class.java, dev.coproc.internal.os.Futex::class.java,
    )

    /**
     * A no-op task's command decoded, the task run on the task scope and its replies encoded, as a real one's
     * will be; nothing is sent. (A standby worker warms up through the real path instead: see [WarmUpTask].)
     */
    private fun warmUp() {
        val encoded = TaskCodec.encode(WarmUpTask())
        val command = WireCodec.decodeToWorker(WireCodec.encode(encoded.runMessage(0, "warm-up"))) as ToWorker.Run
        val task = WireCodec.decode(TaskCodec.resolve(command.taskType), command.task)
        runBlocking { scope.launch { WireCodec.encode(TaskCodec.resultSerializerOf(task), task.run()) }.join() }
        WireCodec.encode(FromWorker.Started(0))
        WireCodec.encode(FromWorker.Succeeded(0, ByteArray(0)))
    }

    private fun run(command: ToWorker.Run) = execute(command.id, command.processName, command.exitAfter) { owned ->
        val body = TaskBodies.decode(command, owned)
        // A Process waits for this to know its task runs (so it is sent now, not held with the replies); a pool
        // does not, and saves the round of wake-ups.
        if (command.exitAfter) {
            reply(FromWorker.Started(command.id))
            sendHeldReplies()
        }
        body()
    }

    private fun map(command: ToWorker.Map) = execute(command.id, command.processName, exitAfter = false) { owned ->
        TaskBodies.decode(command, owned)()
    }

    private fun runTasks(command: ToWorker.RunTasks) = execute(command.id, command.processName, exitAfter = false) { owned ->
        TaskBodies.decode(command, owned)()
    }

    /**
     * Runs [body] as task [id] in its own coroutine, once the tasks before it have ended, on the starting
     * thread until it first suspends; replies with its encoded result, its failure, or
     * [FromWorker.Cancelled] when the parent cancelled it. Handles its arguments opened are closed before
     * the reply, so the parent sees end-of-stream on a pipe the task held by the time it has the result.
     */
    private fun execute(
        id: Long,
        processName: String,
        exitAfter: Boolean,
        body: suspend (owned: MutableList<AutoCloseable>) -> ByteArray,
    ) = tasks.submit(id) { onEnd ->
        val owned = mutableListOf<AutoCloseable>()
        scope.launch(start = CoroutineStart.UNDISPATCHED) {
            try {
                // A SIGTERM is ending this worker: a task that had not started yet never starts (and is not
                // answered), so the parent runs it elsewhere, once, instead of twice if it ran here first.
                if (terminating) return@launch
                currentProcessName = processName
                running[id] = coroutineContext.job
                baton?.mayHandOver()
                val reply = try {
                    // A cancel that came while it waited, or while it was being started.
                    if (id in cancelled) throw CancellationException("cancelled before it started")
                    FromWorker.Succeeded(id, body(owned))
                } catch (e: Throwable) {
                    if (terminating) return@launch
                    if (e is CancellationException && cancelled.remove(id)) FromWorker.Cancelled(id) else FromWorker.Failed(id, RemoteError.of(e))
                }
                running.remove(id)
                closeAll(owned)
                // Before the reply: the parent answers it with the shutdown that exits with this code.
                if (exitAfter) exitCode = if (reply is FromWorker.Succeeded) 0 else 1
                reply(reply)
            } finally {
                onEnd()
            }
        }
    }

    private fun closeAll(owned: List<AutoCloseable>) {
        for (resource in owned) runCatching { resource.close() }
    }

    /**
     * Cancels task [id]: a waiting one is dropped and answered at once, a running one has its coroutine
     * cancelled. Marked first, so that a task between the two (being started) still sees it. A cancel that
     * comes after its task ended leaves its id in [cancelled]: a few bytes, once per such race.
     */
    private fun cancel(id: Long) {
        cancelled += id
        if (tasks.dropWaiting(id)) {
            cancelled -= id
            reply(FromWorker.Cancelled(id))
            return
        }
        running[id]?.cancel()
    }

    /**
     * The shared memory the parent placed at fd [SpawnedWorker.HELD_REPLIES_FD] for held replies, mapped with JDK
     * calls only (no jnr at start-up); null if there is none, and then nothing is held.
     */
    private fun mapHeldReplies(): HeldFrames? = try {
        val fd = Path.of("/proc/self/fd/${SpawnedWorker.HELD_REPLIES_FD}")
        // Only the parent's memory: a worker started without it (a launcher that closed fds) must not map and
        // write whatever file its own fd 5 happens to be.
        if (!Files.readSymbolicLink(fd).toString().startsWith("/memfd:coproc-${SpawnedWorker.HELD_REPLIES_LABEL}")) {
            null
        } else {
            FileChannel.open(fd, StandardOpenOption.READ, StandardOpenOption.WRITE).use { channel ->
                if (channel.size() < HeldFrames.BYTES) null
                else HeldFrames(channel.map(FileChannel.MapMode.READ_WRITE, 0, HeldFrames.BYTES.toLong()))
            }
        }
    } catch (e: IOException) {
        null
    }

    private fun sendHeldReplies() = writingToParent { writer.uncork() }

    private fun reply(message: FromWorker) = writingToParent { writer.write(Frame.MESSAGE, encodeReply(message)) }

    /**
     * Runs [write] to the reply pipe. A broken pipe (the parent died, or a task closed it) means nothing can
     * reach the parent now, and a worker that cannot answer must not take more work.
     */
    private inline fun writingToParent(write: () -> Unit) {
        try {
            write()
        } catch (e: IOException) {
            System.err.println("coproc worker: cannot reply to the parent: ${e.message}")
            haltWithoutParent(PROTOCOL_ERROR)
        }
    }

    /** Ends a worker that lost its parent (or its way to it): the quick clean-ups, then a halt with [code]. */
    private fun haltWithoutParent(code: Int) {
        ParentDeathCleanup.runAll()
        System.out.flush()
        Runtime.getRuntime().halt(code)
    }

    /**
     * [message] encoded within the parent's frame limit: a result over it becomes a failure that says so, a
     * failure over it (a huge message, a deep trace) is sent compacted, so the caller always hears how its
     * task ended.
     */
    private fun encodeReply(message: FromWorker): ByteArray {
        val bytes = WireCodec.encode(message)
        if (bytes.size <= writer.maxPayload()) return bytes
        val (id, failure) = when (message) {
            is FromWorker.Succeeded -> message.id to RemoteError.of(
                FrameException(FrameException.Reason.OVERSIZED, "a frame of ${bytes.size} bytes is over the limit of ${writer.maxPayload()} bytes"),
            )
            is FromWorker.Failed -> message.id to message.error.compact()
            else -> return bytes
        }
        return WireCodec.encode(FromWorker.Failed(id, failure)).takeIf { it.size <= writer.maxPayload() }
            ?: WireCodec.encode(FromWorker.Failed(id, RemoteError(failure.className.take(200), "(the failure does not fit in a frame)", emptyList())))
    }

    /**
     * SIGTERM cancels the running tasks (their `finally` blocks run), then the worker dies by SIGTERM itself,
     * so the parent sees "killed by signal 15" (Python's exitcode -15) rather than the JVM's exit code 143.
     */
    private fun handleTerminate() {
        val term = Signal("TERM")
        Signal.handle(term) {
            terminating = true
            // The replies of tasks that ended go now: one held back and lost would have its task run again.
            runCatching { writer.uncork() }
            // Signal.raise refuses a signal without a Java handler, so the kernel is asked below, through jnr,
            // which a worker does not load at start: binding it takes a few hundred milliseconds, spent here
            // while the tasks finish, not after them.
            val binding = Thread { Signals.send(ProcessHandle.current().pid(), 0) }.apply { isDaemon = true; start() }
            val jobs = running.values.toList()
            jobs.forEach { it.cancel() }
            // The signal arrives on its own JVM thread, so waiting here blocks no task.
            val ended = runBlocking { withTimeoutOrNull(TERM_GRACE_MILLIS) { jobs.joinAll() } } != null
            flushStandardStreams()
            // A recording takes about half a second: only when the tasks left the parent's grace time for it.
            if (ended) ClassDataArchive.record()
            binding.join()
            Signal.handle(term, sun.misc.SignalHandler.SIG_DFL)
            Signals.send(ProcessHandle.current().pid(), Signals.SIGTERM)
        }
    }

    private fun flushStandardStreams() {
        System.out.flush()
        System.err.flush()
    }
}
