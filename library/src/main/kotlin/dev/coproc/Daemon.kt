package dev.coproc

import dev.coproc.internal.awaitFd
import dev.coproc.internal.awaitResult
import dev.coproc.os.FdPoller
import dev.coproc.os.OsException
import dev.coproc.os.PidFile
import dev.coproc.os.Pids
import dev.coproc.os.Reaper
import dev.coproc.os.Signals
import dev.coproc.os.Spawn
import dev.coproc.os.SpawnException
import dev.coproc.os.internal.LibC
import dev.coproc.shm.ProcessIdentity
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull

/**
 * A program run as a daemon, managed through its pidfile: the seeds' double-fork daemon, done with one spawn.
 *
 * [start] runs [command]'s argv (with its environment) in a new session (no controlling terminal, not in this
 * JVM's process group), in [workingDirectory] (`/` by default), with umask [umask], stdin from `/dev/null`
 * and stdout/stderr appended to [logFile] or discarded. The pidfile gets its pid and stays locked (`flock`)
 * by the daemon itself for as long as it lives, through a descriptor it inherits (fd 3): whoever finds the
 * lock free knows it is not running, even if the pidfile survived a crash or a reboot.
 *
 * ```
 * val daemon = Daemon(Command("my-server"), pidFile = Path.of("/run/user/1000/my-server.pid"))
 * daemon.start(); daemon.status(); daemon.stop()
 * ```
 * A daemon outlives the JVM that started it: it is the one kind of process coproc does not end with its parent.
 */
public class Daemon @JvmOverloads constructor(
    public val command: Command,
    public val pidFile: Path,
    public val logFile: Path? = null,
    public val workingDirectory: Path = Path.of("/"),
    public val umask: Int = "027".toInt(8),
    /** How long [stop] waits after SIGTERM before SIGKILL. */
    public val stopGrace: Duration = 10.seconds,
) {
    /**
     * Starts the daemon and returns its pid. A stale pidfile (its daemon dead) is replaced.
     *
     * @throws DaemonAlreadyRunningException when it is running
     * @throws ProcessStartException when the program cannot be started
     */
    public fun start(): Long = PidFile.open(pidFile).use { file ->
        command.checkRunnable(wrapped = true)
        if (!file.tryLock()) throw DaemonAlreadyRunningException(file.readPid(), pidFile)
        // A daemon that closed its inherited descriptors holds no lock: its live pid still counts.
        val recorded = file.readPid()
        if (isAlive(recorded)) throw DaemonAlreadyRunningException(recorded, pidFile)
        val argv = listOf("/bin/sh", "-c", "umask ${umask.toString(8)} && exec \"\$@\"", "sh") + command.argv
        val spawn = Spawn.of(argv)
            .newSession(true)
            .directory(workingDirectory)
            .stdin(Spawn.Redirect.NULL)
            .stdout(logFile?.let { Spawn.Redirect.file(it, true) } ?: Spawn.Redirect.NULL)
            .stderr(if (logFile != null) Spawn.Redirect.STDOUT else Spawn.Redirect.NULL)
            .mapFd(file.fd(), PIDFILE_FD)
        command.settings.environment?.let { spawn.environment(it + ("COPROC_PIDFILE_FD" to "$PIDFILE_FD")) }
            ?: spawn.environment(System.getenv() + ("COPROC_PIDFILE_FD" to "$PIDFILE_FD"))
        val pid = try {
            spawn.start()
        } catch (e: SpawnException) {
            throw ProcessStartException("cannot start daemon ${command.argv[0]}: ${e.message}", e)
        }
        file.writePid(pid.toLong())
        // Reaped here if it ends while this JVM lives; adopted by init (or a subreaper) otherwise.
        val reaped = Reaper.get().watch(pid)
        startedHere[pid.toLong()] = reaped
        // Forgotten once reaped, however it ended (stop() finds nothing to wait for then).
        reaped.whenComplete { _, _ -> startedHere.remove(pid.toLong(), reaped) }
        pid.toLong()
    }

    /** Whether it runs, from the pidfile and its lock. */
    public fun status(): DaemonStatus {
        if (!Files.exists(pidFile)) return DaemonStatus.Stopped
        return PidFile.open(pidFile).use { file ->
            val pid = file.readPid()
            when {
                !file.tryLock() -> DaemonStatus.Running(pid)
                isAlive(pid) -> DaemonStatus.Running(pid)
                pid != 0L -> DaemonStatus.Stale(pid)
                else -> DaemonStatus.Stopped
            }
        }
    }

    /**
     * Stops it: SIGTERM to its process group, SIGKILL after [stopGrace], then removes the pidfile (a stale one
     * too). False when it was not running.
     */
    public suspend fun stop(): Boolean {
        val running = when (val status = status()) {
            is DaemonStatus.Running -> status.pid
            else -> {
                Files.deleteIfExists(pidFile)
                return false
            }
        }
        signal(running, Signals.SIGTERM)
        if (!awaitExit(running, stopGrace)) {
            signal(running, Signals.SIGKILL)
            check(awaitExit(running, KILL_WAIT)) { "daemon $running survived SIGKILL for $KILL_WAIT" }
        }
        // Started by this JVM: returns once reaped too, so that stop() leaves nothing of it behind here.
        startedHere.remove(running)?.let { reaped -> withTimeoutOrNull(KILL_WAIT) { reaped.awaitResult() } }
        Files.deleteIfExists(pidFile)
        return true
    }

    /** [stop] if running, then [start]; returns the new pid. */
    public suspend fun restart(): Long {
        stop()
        return start()
    }

    /** Java: [stop], blocking the calling thread. */
    public fun stopBlocking(): Boolean = runBlocking { stop() }

    /** Java: [restart], blocking the calling thread. */
    public fun restartBlocking(): Long = runBlocking { restart() }

    private fun signal(pid: Long, signal: Int) {
        // Its session's group holds what it started, too.
        if (!runCatching { Signals.sendToGroup(pid, signal) }.getOrDefault(false)) Signals.send(pid, signal)
    }

    override fun toString(): String = "Daemon(${command.argv}, pidfile $pidFile)"

    private companion object {
        const val PIDFILE_FD = 3
        val KILL_WAIT = 10.seconds

        /** The daemons this JVM started and still reaps, by pid. */
        val startedHere = java.util.concurrent.ConcurrentHashMap<Long, java.util.concurrent.CompletableFuture<dev.coproc.os.ExitStatus>>()

        fun isAlive(pid: Long): Boolean = pid > 0 && ProcessIdentity.of(pid) != 0L

        /** Waits without a thread for any process (not only a child) to end: a pidfd turns readable then. */
        suspend fun awaitExit(pid: Long, timeout: Duration): Boolean {
            val pidfd = Pids.openPidfd(pid.toInt())
            if (pidfd == -LibC.ESRCH) return true
            if (pidfd < 0) throw OsException("pidfd_open($pid)", -pidfd)
            try {
                return withTimeoutOrNull(timeout) { awaitFd(pidfd, FdPoller.READABLE) } != null
            } finally {
                LibC.get().close(pidfd)
            }
        }
    }
}

/** A [Daemon]'s state as its pidfile tells it. */
public sealed class DaemonStatus {
    /** Running as [pid]. */
    public data class Running(val pid: Long) : DaemonStatus()

    /** Not running; no pidfile (or an empty one). */
    public data object Stopped : DaemonStatus()

    /** Not running, but a pidfile names [pid], which is dead: it crashed or was killed. */
    public data class Stale(val pid: Long) : DaemonStatus()
}

/** [Daemon.start] found it running. */
public class DaemonAlreadyRunningException internal constructor(public val pid: Long, pidFile: Path) :
    CoprocException("already running as pid $pid (pidfile $pidFile)")
