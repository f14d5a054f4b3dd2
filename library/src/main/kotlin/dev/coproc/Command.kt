package dev.coproc

import dev.coproc.internal.withScheduling
import dev.coproc.os.ExitStatus
import dev.coproc.internal.os.Spawn
import dev.coproc.internal.os.SpawnException
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * An external program to run: Python's `subprocess`, as suspending calls. Immutable: each setter returns a
 * new command.
 *
 * ```
 * val result = Command("git", "status", "--short").directory(repo).check().run()
 * println(result.stdoutText)
 * ```
 * No shell is involved unless asked for ([shell]): argv goes to the program as is. The command runs in a
 * process group of its own, so a timeout or a cancelled caller ends it **and everything it started**.
 * By default stdin is `/dev/null` and both outputs are captured; capture reads them as they come, so no
 * output size can deadlock it (the 64 KiB pipe trap of `wait()` plus `read()`).
 */
public class Command private constructor(
    /** The program and its arguments. */
    public val argv: List<String>,
    internal val settings: Settings,
) {
    /** A command running [argv]; a program without a slash is searched in `PATH`. */
    public constructor(argv: List<String>) : this(argv.toList().also { require(it.isNotEmpty()) { "argv must name a program" } }, Settings())

    /** A command running [argv]. */
    public constructor(vararg argv: String) : this(argv.toList())

    internal data class Settings(
        val directory: Path? = null,
        val environment: Map<String, String>? = null,
        val stdin: CommandInput = CommandInput.Null,
        val stdout: CommandOutput = CommandOutput.Capture,
        val stderr: CommandOutput = CommandOutput.Capture,
        val timeout: Duration = Duration.INFINITE,
        val check: Boolean = false,
        val terminateGrace: Duration = 2.seconds,
        val niceness: Int? = null,
        val cpus: Set<Int>? = null,
        val killWithParent: Boolean = true,
    )

    private fun with(change: Settings.() -> Settings) = Command(argv, settings.change())

    /** Runs it in [directory]. */
    public fun directory(directory: Path): Command = with { copy(directory = directory) }

    /** Gives it exactly [environment] (by default it inherits this JVM's). */
    public fun environment(environment: Map<String, String>): Command = with { copy(environment = environment.toMap()) }

    /** Adds or replaces one variable in its environment. */
    public fun env(name: String, value: String): Command =
        with { copy(environment = (environment ?: System.getenv()) + (name to value)) }

    public fun stdin(input: CommandInput): Command = with { copy(stdin = input) }

    /** Feeds it [text] (UTF-8), then end-of-file. */
    public fun stdin(text: String): Command = stdin(CommandInput.Text(text))

    /** Feeds it [bytes], then end-of-file. */
    public fun stdin(bytes: ByteArray): Command = stdin(CommandInput.Bytes(bytes))

    public fun stdout(output: CommandOutput): Command {
        require(output != CommandOutput.ToStdout) { "ToStdout is for stderr" }
        return with { copy(stdout = output) }
    }

    public fun stderr(output: CommandOutput): Command = with { copy(stderr = output) }

    /** Ends it (and its process group) when it runs longer: SIGTERM, then SIGKILL after the grace period. */
    public fun timeout(timeout: Duration): Command = with { copy(timeout = timeout) }

    /** How long a terminated command gets before SIGKILL (2 s by default). */
    public fun terminateGrace(grace: Duration): Command = with { copy(terminateGrace = grace) }

    /** Makes [run] fail with [CommandFailedException] unless it exits with 0. */
    @JvmOverloads
    public fun check(check: Boolean = true): Command = with { copy(check = check) }

    /**
     * Whether it is killed (with its process group) if this JVM dies while it runs, even by SIGKILL: true by
     * default, so that no command outlives its parent as an orphan. See [dev.coproc.internal.os.OrphanGuard].
     */
    public fun killWithParent(value: Boolean): Command = with { copy(killWithParent = value) }

    /** Runs it at nice value [niceness] (-20 to 19; lowering it needs privileges), set before it starts. */
    public fun nice(niceness: Int): Command {
        require(niceness in -20..19) { "nice values are -20..19, not $niceness" }
        return with { copy(niceness = niceness) }
    }

    /** Pins it (and what it starts) to [cpus], set before it starts. */
    public fun cpuAffinity(cpus: Set<Int>): Command {
        require(cpus.isNotEmpty() && cpus.all { it >= 0 }) { "cpus must be a non-empty set of CPU numbers: $cpus" }
        return with { copy(cpus = cpus.toSortedSet()) }
    }

    /**
     * Runs it to the end and returns how it ended with what it wrote (Python's `run` and `communicate`).
     * Cancellable: a cancelled caller kills the command's whole process group, and returns once it is reaped.
     *
     * @throws ProcessStartException when it cannot be started (not found, not executable, bad directory, or a
     *   NUL character in the program, an argument or the environment, refused before anything is spawned)
     * @throws CommandTimeoutException when it ran longer than its [timeout]
     * @throws CommandFailedException with [check], when it did not exit with 0
     */
    public suspend fun run(): CommandResult = RunningCommand.run(this)

    /**
     * Starts it and returns at once with the running command. Capture and stdin sources are served in the
     * background; the caller owns the handle and closes it ([RunningCommand.close] kills it if still running).
     *
     * @throws ProcessStartException when it cannot be started
     */
    public fun start(): RunningCommand = RunningCommand.start(this)

    /** The argv to spawn: wrapped in `nice` / `taskset` so that they apply before the program starts. */
    internal fun spawnArgv(): List<String> = argv.withScheduling(settings.niceness, settings.cpus)

    /**
     * Fails like a spawn would, before a wrapper (`nice`, `taskset`, a daemon's `sh`) hides a missing program
     * behind its exit code 127, or shifts the indices of the arguments a NUL character is refused in: the error
     * names them as this command holds them. The program is only looked up when wrapped: a direct spawn
     * reports a missing one itself.
     */
    internal fun checkRunnable(wrapped: Boolean = settings.niceness != null || settings.cpus != null) {
        try {
            Spawn.checkStrings(argv, settings.environment, settings.directory)
        } catch (e: SpawnException) {
            throw ProcessStartException(e.message ?: "cannot start ${argv[0]}", e)
        }
        if (!wrapped) return
        val program = argv[0]
        val found = if ('/' in program) {
            Path.of(program).let { if (it.isAbsolute || settings.directory == null) it else settings.directory.resolve(it) }
        } else {
            (settings.environment ?: System.getenv())["PATH"].orEmpty().split(':').filter { it.isNotEmpty() }
                .map { Path.of(it, program) }.firstOrNull { Files.isExecutable(it) && !Files.isDirectory(it) }
        }
        if (found == null || !Files.isExecutable(found) || Files.isDirectory(found)) {
            throw ProcessStartException("cannot start $program: " + if (found == null || !Files.exists(found)) "not found" else "not executable")
        }
    }

    override fun toString(): String = "Command($argv)"

    public companion object {
        /** A command run by `/bin/sh -c` [script]: pipes, globs and redirections in one string. */
        @JvmStatic
        public fun shell(script: String): Command = Command("/bin/sh", "-c", script)
    }
}

/** How a [Command] ended, and what it wrote to the outputs that were captured. */
public class CommandResult internal constructor(
    public val argv: List<String>,
    public val status: ExitStatus,
    /** Standard output, when captured (else empty). */
    public val stdout: ByteArray,
    /** Standard error, when captured (else empty). */
    public val stderr: ByteArray,
) {
    /** Python's `returncode`: the exit code, or minus the signal that killed it. */
    public val exitCode: Int get() = status.code()

    public val stdoutText: String get() = stdout.decodeToString()
    public val stderrText: String get() = stderr.decodeToString()

    /** Throws [CommandFailedException] unless it exited with 0; returns this otherwise. */
    public fun checkSuccess(): CommandResult {
        if (!status.success()) throw CommandFailedException(argv, status, stderrTail(stderr))
        return this
    }

    override fun toString(): String = "CommandResult($argv, $status, ${stdout.size} bytes out, ${stderr.size} bytes err)"
}

internal fun stderrTail(stderr: ByteArray): String = stderr.copyOfRange(maxOf(0, stderr.size - 4096), stderr.size).decodeToString()
