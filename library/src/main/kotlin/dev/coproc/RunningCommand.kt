package dev.coproc

import dev.coproc.internal.AsyncPipeEnd
import dev.coproc.internal.awaitResult
import dev.coproc.os.ExitStatus
import dev.coproc.internal.os.Fd
import dev.coproc.internal.os.OrphanGuard
import dev.coproc.internal.os.OsException
import dev.coproc.internal.os.Pipes
import dev.coproc.internal.os.Reaper
import dev.coproc.os.Signals
import dev.coproc.internal.os.Spawn
import dev.coproc.internal.os.SpawnException
import dev.coproc.os.WaitStatus
import java.io.ByteArrayOutputStream
import java.io.IOException
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.time.Duration
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emitAll
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull

/**
 * A started [Command]: Python's `Popen`. Await its end, signal it, read its piped outputs as flows, write its
 * piped input. Close it when done: a command still running then is killed with its process group.
 */
public class RunningCommand private constructor(
    /** The command's argv. */
    public val argv: List<String>,
    /** Its pid, which is also its process group's id. */
    public val pid: Long,
    internal val exit: CompletableFuture<ExitStatus>,
    internal val stdinPipe: AsyncPipeEnd?,
    internal val stdoutPipe: AsyncPipeEnd?,
    internal val stderrPipe: AsyncPipeEnd?,
) : AutoCloseable {
    private val background = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private var capturedStdout: Capture? = null
    private var capturedStderr: Capture? = null
    private val stdoutTaken = AtomicBoolean()
    private val stderrTaken = AtomicBoolean()
    private val stdinTaken = AtomicBoolean()

    /** How it ended, or null while it runs (Python's `poll()`). */
    public fun poll(): ExitStatus? = exit.getNow(null)

    /** True while it is stopped (SIGSTOP, SIGTSTP...), as `/proc` shows it; false once continued or ended. */
    public val isStopped: Boolean
        get() = poll() == null && runCatching {
            val stat = Files.readString(Path.of("/proc/$pid/stat"))
            stat.substring(stat.lastIndexOf(')') + 2)[0] == 'T'
        }.getOrDefault(false)

    /**
     * The next stop or continue of the command not reported yet (Python's `waitpid(pid, WUNTRACED |
     * WCONTINUED)`), or null; its end is [poll]'s.
     */
    public fun pollStopOrContinue(): WaitStatus? = if (poll() == null) WaitStatus.pollStopOrContinue(pid) else null

    /** Waits for its end (Python's `wait()`). Cancelling the wait leaves the command running. */
    public suspend fun await(): ExitStatus = exit.awaitResult()

    /** Waits for its end at most [timeout]; null if it still runs. */
    public suspend fun await(timeout: Duration): ExitStatus? = withTimeoutOrNull(timeout) { exit.awaitResult() }

    /** A future of its exit status, for Java callers. */
    public fun onExit(): CompletableFuture<ExitStatus> = exit.copy()

    /**
     * Its standard output as it comes, in chunks; only with [CommandOutput.Pipe], and collected once. The flow
     * completes at end of stream (the command and whatever it started closed their output).
     */
    public val stdout: Flow<ByteArray> get() = pipeFlow(stdoutPipe, stdoutTaken, "stdout")

    /** Its standard error as it comes; see [stdout]. */
    public val stderr: Flow<ByteArray> get() = pipeFlow(stderrPipe, stderrTaken, "stderr")

    /** Its standard output as lines (UTF-8, without the line ends); only with [CommandOutput.Pipe]. */
    public fun stdoutLines(): Flow<String> = lines(stdout)

    /** Its standard error as lines; see [stdoutLines]. */
    public fun stderrLines(): Flow<String> = lines(stderr)

    /**
     * Writes [bytes] to its standard input; only with [CommandInput.Pipe], from one caller at a time.
     * Suspends while the pipe is full.
     *
     * @throws IOException when the command closed its input
     */
    public suspend fun writeStdin(bytes: ByteArray) {
        val pipe = checkNotNull(stdinPipe) { "stdin is not a pipe: start the command with stdin(CommandInput.Pipe)" }
        check(!stdinTaken.get()) { "stdin was closed" }
        pipe.write(bytes)
    }

    /** Ends its standard input: it reads end-of-file. */
    public fun closeStdin() {
        if (stdinPipe != null && stdinTaken.compareAndSet(false, true)) stdinPipe.close()
    }

    /** Sends [signal] to the command itself; false if it has already ended. */
    public fun sendSignal(signal: Int): Boolean = poll() == null && Signals.send(pid, signal)

    /** Sends [signal] to its whole process group: the command and what it started. False if the group is empty. */
    public fun signalGroup(signal: Int): Boolean = Signals.sendToGroup(pid, signal)

    /** SIGTERM to the command (Python's `terminate()`). */
    public fun terminate(): Boolean = sendSignal(Signals.SIGTERM)

    /** SIGKILL to the command (Python's `kill()`). */
    public fun kill(): Boolean = sendSignal(Signals.SIGKILL)

    /**
     * Waits for its end and for the outputs it captured (Python's `communicate()`); stdin sources are fed
     * meanwhile. Cancellable: a cancelled caller kills the process group.
     */
    public suspend fun result(): CommandResult = finish(Command.Settings())

    /** Kills it and its process group if still running, and lets go of its pipes. The Reaper still reaps it. */
    override fun close() {
        if (poll() == null) killGroup()
        background.cancel()
        closeStdin()
        if (stdoutTaken.compareAndSet(false, true)) stdoutPipe?.close()
        if (stderrTaken.compareAndSet(false, true)) stderrPipe?.close()
    }

    internal suspend fun finish(settings: Command.Settings): CommandResult {
        try {
            val status = if (settings.timeout.isInfinite()) exit.awaitResult() else withTimeoutOrNull(settings.timeout) { exit.awaitResult() }
            if (status == null) {
                withContext(NonCancellable) { terminateGroup(settings.terminateGrace) }
                throw CommandTimeoutException(argv, settings.timeout, partial(capturedStdout), partial(capturedStderr))
            }
            val result = CommandResult(argv, status, capturedStdout?.whole?.await() ?: EMPTY, capturedStderr?.whole?.await() ?: EMPTY)
            if (settings.check) result.checkSuccess()
            return result
        } catch (e: CancellationException) {
            withContext(NonCancellable) {
                killGroup()
                exit.awaitResult()
            }
            throw e
        }
    }

    /** SIGTERM to the group, SIGKILL after [grace], then a last SIGKILL for what the command started. */
    private suspend fun terminateGroup(grace: Duration) {
        runCatching { Signals.sendToGroup(pid, Signals.SIGTERM) }
        if (withTimeoutOrNull(grace) { exit.awaitResult() } == null) killGroup()
        exit.awaitResult()
        killGroup()
    }

    internal fun killGroup() {
        try {
            Signals.sendToGroup(pid, Signals.SIGKILL)
        } catch (e: OsException) {
            // EPERM: a member changed its credentials; the command itself still gets it.
            runCatching { Signals.send(pid, Signals.SIGKILL) }
        }
    }

    /**
     * What a capture got until now, once its command is gone: whatever is left in the pipe, within a moment; what
     * came so far if something it started still holds the pipe open after that.
     */
    private suspend fun partial(capture: Capture?): ByteArray =
        capture?.let { withTimeoutOrNull(PARTIAL_OUTPUT_WAIT) { it.whole.await() } ?: it.soFar.toByteArray() } ?: EMPTY

    private fun pipeFlow(pipe: AsyncPipeEnd?, taken: AtomicBoolean, name: String): Flow<ByteArray> {
        checkNotNull(pipe) { "$name is not a pipe: start the command with $name(CommandOutput.Pipe)" }
        return flow {
            check(taken.compareAndSet(false, true)) { "$name can be collected once" }
            emitAll(drain(pipe))
        }
    }

    /** [stdout] or [stderr], taken now rather than when collected: a Java stream must fail when it is asked for. */
    @JvmSynthetic
    internal fun takeOutput(stderr: Boolean): Flow<ByteArray> {
        val (pipe, taken, name) = if (stderr) Triple(stderrPipe, stderrTaken, "stderr") else Triple(stdoutPipe, stdoutTaken, "stdout")
        checkNotNull(pipe) { "$name is not a pipe: start the command with $name(JavaCommand.Output.PIPE)" }
        check(taken.compareAndSet(false, true)) { "$name can be read once, and was taken already" }
        return drain(pipe)
    }

    private fun drain(pipe: AsyncPipeEnd): Flow<ByteArray> = flow {
        try {
            while (true) emit(pipe.read() ?: break)
        } finally {
            pipe.close()
        }
    }

    /**
     * Starts draining captured outputs and feeding a stdin source, in [scope]: the caller's own for `run()`
     * (no thread hop between the reads and the caller), a background one for `start()`.
     */
    @OptIn(DelicateCoroutinesApi::class) // CoroutineStart.ATOMIC, below
    internal fun serve(scope: CoroutineScope, settings: Command.Settings) {
        if (settings.stdout == CommandOutput.Capture) capturedStdout = capture(scope, stdoutPipe!!, stdoutTaken)
        if (settings.stderr == CommandOutput.Capture) capturedStderr = capture(scope, stderrPipe!!, stderrTaken)
        val stdin = settings.stdin
        val source: Flow<ByteArray> = when (stdin) {
            is CommandInput.Bytes -> flow { emit(stdin.bytes) }
            is CommandInput.Text -> flow { emit(stdin.text.encodeToByteArray()) }
            is CommandInput.Stream -> stdin.chunks
            else -> return
        }
        val pipe = stdinPipe!!
        stdinTaken.set(true)
        // ATOMIC: the body runs even in a scope already cancelled, so that its finally closes the pipe it owns now.
        scope.launch(start = CoroutineStart.ATOMIC) {
            try {
                source.collect { pipe.write(it) }
            } catch (e: IOException) {
                // The command closed its input before reading it all: as Python's communicate(), not an error.
            } finally {
                pipe.close()
            }
        }
    }

    /** A captured output: all of it once the pipe ends, and what came so far (its methods are synchronized). */
    private class Capture(val whole: Deferred<ByteArray>, val soFar: ByteArrayOutputStream)

    @OptIn(DelicateCoroutinesApi::class) // CoroutineStart.ATOMIC, below
    private fun capture(scope: CoroutineScope, pipe: AsyncPipeEnd, taken: AtomicBoolean): Capture {
        taken.set(true)
        val collected = ByteArrayOutputStream()
        // ATOMIC: a caller cancelled before this starts (an interrupted Java caller, a timeout) still closes the pipe.
        val whole = scope.async(start = CoroutineStart.ATOMIC) {
            try {
                while (true) collected.write(pipe.read() ?: break)
            } finally {
                pipe.close()
            }
            collected.toByteArray()
        }
        return Capture(whole, collected)
    }

    override fun toString(): String = "RunningCommand($argv, pid $pid, " + (poll()?.toString() ?: "running") + ")"

    internal companion object {
        private val EMPTY = ByteArray(0)
        val PARTIAL_OUTPUT_WAIT = Duration.parse("1s")

        /** Starts [command]; its captures and stdin source are served in the background. */
        fun start(command: Command): RunningCommand = spawn(command).also { it.serve(it.background, command.settings) }

        /** Runs [command] to its end; see [toEnd]. */
        suspend fun run(command: Command): CommandResult = toEnd(spawn(command), command.settings)

        /**
         * Serves [running]'s captures and stdin source in the caller's scope until its end, then closes it. A
         * failure of either (or a cancelled caller) ends the scope, and closing the command kills it.
         */
        suspend fun toEnd(running: RunningCommand, settings: Command.Settings): CommandResult = coroutineScope {
            running.use {
                it.serve(this, settings)
                it.finish(settings)
            }
        }

        /**
         * Spawns [command]. Its exit is reaped by the poller's thread, or, with [waitInCaller], by the caller
         * (see [Reaper.watchInCaller]), which must then reap it or hand it over to [Reaper.watch].
         */
        fun spawn(command: Command, waitInCaller: Boolean = false): RunningCommand {
            command.checkRunnable()
            val settings = command.settings
            val childEnds = mutableListOf<Fd>()
            val ourEnds = mutableListOf<Fd>()
            fun pipe(childReads: Boolean): Pair<Fd, Fd> {
                val (read, write) = Pipes.open().let { it[0] to it[1] }
                if (childReads) {
                    childEnds += read
                    ourEnds += write
                    return read to write
                }
                childEnds += write
                ourEnds += read
                return write to read
            }
            var spawned = 0
            try {
                val spawn = Spawn.of(command.spawnArgv()).newProcessGroup(true)
                settings.directory?.let(spawn::directory)
                settings.environment?.let(spawn::environment)
                var stdinOurs: Fd? = null
                when (val input = settings.stdin) {
                    CommandInput.Null -> spawn.stdin(Spawn.Redirect.NULL)
                    CommandInput.Inherit -> spawn.stdin(Spawn.Redirect.INHERIT)
                    is CommandInput.File -> spawn.stdin(Spawn.Redirect.input(input.path))
                    else -> pipe(childReads = true).let { (child, ours) -> spawn.stdin(Spawn.Redirect.to(child)); stdinOurs = ours }
                }
                fun output(output: CommandOutput): Pair<Spawn.Redirect, Fd?> = when (output) {
                    CommandOutput.Capture, CommandOutput.Pipe -> pipe(childReads = false).let { (child, ours) -> Spawn.Redirect.to(child) to ours }
                    CommandOutput.Discard -> Spawn.Redirect.NULL to null
                    CommandOutput.Inherit -> Spawn.Redirect.INHERIT to null
                    is CommandOutput.File -> Spawn.Redirect.file(output.path, output.append) to null
                    CommandOutput.ToStdout -> Spawn.Redirect.STDOUT to null
                }
                val (stdoutRedirect, stdoutOurs) = output(settings.stdout)
                val (stderrRedirect, stderrOurs) = output(settings.stderr)
                spawn.stdout(stdoutRedirect).stderr(stderrRedirect)
                val pid = try {
                    spawn.start()
                } catch (e: SpawnException) {
                    throw ProcessStartException("cannot start ${command.argv[0]}: ${e.message}", e)
                }
                spawned = pid
                childEnds.forEach { it.close() }
                val reaper = Reaper.get()
                val exit = (if (waitInCaller) reaper.watchInCaller(pid) else reaper.watch(pid)).thenApply(ExitStatus::decode)
                if (settings.killWithParent) {
                    OrphanGuard.register(pid.toLong())
                    exit.whenComplete { _, _ -> OrphanGuard.unregister(pid.toLong()) }
                }
                return RunningCommand(
                    command.argv, pid.toLong(), exit,
                    stdinOurs?.let(::AsyncPipeEnd), stdoutOurs?.let(::AsyncPipeEnd), stderrOurs?.let(::AsyncPipeEnd),
                )
            } catch (e: Throwable) {
                (childEnds + ourEnds).forEach { it.close() }
                if (spawned > 0) {
                    // Started, but nobody will hold it (unguarded, or no pipe to it): it must not run on. Killed,
                    // and reaped by the poller's thread, which a caller that meant to wait for it never does now.
                    runCatching { Signals.sendToGroup(spawned.toLong(), Signals.SIGKILL) }
                    runCatching { Reaper.get().watch(spawned) }.exceptionOrNull()?.let(e::addSuppressed)
                }
                throw e
            }
        }
    }
}

/** Lines of UTF-8 text from chunks: a newline byte never occurs inside a multi-byte character, so splitting bytes is safe. */
private fun lines(chunks: Flow<ByteArray>): Flow<String> = flow {
    val pending = ByteArrayOutputStream()
    chunks.collect { chunk ->
        var start = 0
        for (i in chunk.indices) {
            if (chunk[i] == '\n'.code.toByte()) {
                pending.write(chunk, start, i - start)
                emit(pending.toString(Charsets.UTF_8).removeSuffix("\r"))
                pending.reset()
                start = i + 1
            }
        }
        pending.write(chunk, start, chunk.size - start)
    }
    if (pending.size() > 0) emit(pending.toString(Charsets.UTF_8))
}
