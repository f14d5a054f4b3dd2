package dev.coproc

import dev.coproc.os.ExitStatus
import dev.coproc.internal.awaitFd
import dev.coproc.internal.awaitResult
import dev.coproc.internal.os.FdPoller
import dev.coproc.internal.os.OsException
import dev.coproc.internal.os.PidFile
import dev.coproc.internal.os.Pids
import dev.coproc.internal.os.Reaper
import dev.coproc.os.Signals
import dev.coproc.internal.os.Spawn
import dev.coproc.internal.os.SpawnException
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.withTimeoutOrNull

/**
 * A program run as a daemon, managed through its pidfile: the seeds' double-fork daemon, done with one spawn.
 *
 * [start] runs [command]'s argv (with its environment) in a new session (no controlling terminal, not in this
 * JVM's process group), in [workingDirectory] (`/` by default), with umask [umask], stdin from `/dev/null`
 * and stdout/stderr appended to [logFile] or discarded. The pidfile gets its pid and stays locked (`flock`)
 * by the daemon itself for as long as it lives, through a descriptor it inherits (fd 3): whoever finds the
 * lock free knows it is not running, even if the pidfile survived a crash or a reboot, and even if its pid now
 * belongs to another process. A pid counts as the daemon only when that process, a session leader, holds the
 * lock itself: nothing else is ever signalled (a program that closes its inherited descriptors, or leaves
 * its pid by forking, gives up that proof and counts as not running).
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
     * Starts the daemon and returns its pid. A stale pidfile (its lock free, whether its pid is dead or now
     * another process's) is replaced.
     *
     * @throws DaemonAlreadyRunningException when it is running
     * @throws DaemonUnverifiedException when the pidfile is locked by a process that is not the pid it names
     * @throws ProcessStartException when the program cannot be started
     */
    public fun start(): Long {
        command.checkRunnable(wrapped = true)
        return PidFile.open(pidFile).use { file -> startLocked(file) }
    }

    private fun startLocked(file: PidFile): Long {
        if (!file.tryLock()) {
            val recorded = file.readPid()
            if (isDaemon(file, recorded)) throw DaemonAlreadyRunningException(recorded, pidFile)
            throw DaemonUnverifiedException(recorded, pidFile, "cannot start")
        }
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
        val reaped = Reaper.get().watch(pid).thenApply(ExitStatus::decode)
        startedHere[pid.toLong()] = reaped
        // Forgotten once reaped, however it ended (stop() finds nothing to wait for then).
        reaped.whenComplete { _, _ -> startedHere.remove(pid.toLong(), reaped) }
        return pid.toLong()
    }

    /** Whether it runs, from the pidfile and its lock, and who holds that lock. */
    public fun status(): DaemonStatus {
        if (!Files.exists(pidFile)) return DaemonStatus.Stopped
        return PidFile.open(pidFile).use { file ->
            val pid = file.readPid()
            when {
                // Free: whatever the pid names now (a recycled pid, a daemon that dropped its lock) is not it.
                file.tryLock() -> if (pid != 0L) DaemonStatus.Stale(pid) else DaemonStatus.Stopped
                isDaemon(file, pid) -> DaemonStatus.Running(pid)
                else -> DaemonStatus.Unverified(pid)
            }
        }
    }

    /**
     * Stops it: SIGTERM to its process group, SIGKILL after [stopGrace], then removes the pidfile (a stale one
     * too). False when it was not running. Only a pid proven to be the daemon (see [DaemonStatus.Running]) is
     * ever signalled.
     *
     * @throws DaemonUnverifiedException when the pidfile is locked by a process that is not the pid it names:
     *   nothing is signalled and the pidfile stays
     */
    public suspend fun stop(): Boolean {
        val running = when (val status = status()) {
            is DaemonStatus.Running -> status.pid
            is DaemonStatus.Unverified -> throw DaemonUnverifiedException(status.pid, pidFile, "not stopping")
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

        /**
         * Whether [pid] is provably the daemon of the locked [file]: it holds the lock through a descriptor of its
         * own, and it leads its own session, as every daemon started here does for life (setsid at spawn; a
         * session leader cannot leave it), so that signalling its process group reaches nothing else.
         */
        fun isDaemon(file: PidFile, pid: Long): Boolean = pid > 0 && isSessionLeader(pid) && file.isLockedBy(pid)

        fun isSessionLeader(pid: Long): Boolean {
            val stat = runCatching { Files.readString(Path.of("/proc", pid.toString(), "stat")) }.getOrNull() ?: return false
            // The command name may hold spaces and parentheses: the fields that follow start after the last ')'.
            val fields = stat.substring(stat.lastIndexOf(')') + 2).split(' ')
            return fields[0] != "Z" && fields[3] == pid.toString()
        }

        /** Waits without a thread for any process (not only a child) to end: a pidfd turns readable then. */
        suspend fun awaitExit(pid: Long, timeout: Duration): Boolean {
            val pidfd = Pids.pidfdOf(pid) ?: return true
            pidfd.use { return withTimeoutOrNull(timeout) { awaitFd(it.number(), FdPoller.READABLE) } != null }
        }
    }
}

/** A [Daemon]'s state as its pidfile tells it. */
public sealed class DaemonStatus {
    /** Running as [pid]: its pidfile is locked by [pid] itself, a session leader, so [pid] is provably it. */
    public data class Running(val pid: Long) : DaemonStatus()

    /** Not running; no pidfile (or an empty one). */
    public data object Stopped : DaemonStatus()

    /**
     * Not running, but a pidfile names [pid] and nobody holds its lock: it crashed or was killed, and [pid] is
     * dead or now another process's (pids are reused). The next [Daemon.start] replaces it.
     */
    public data class Stale(val pid: Long) : DaemonStatus()

    /**
     * The pidfile is locked, but not by [pid] (the pid it names, 0 when none): another start in progress, a
     * program that forked and left its pid while a child kept the lock, or a program that is not this daemon. Nothing can be proven about [pid]: [Daemon.start] and [Daemon.stop] refuse with
     * [DaemonUnverifiedException] and signal nothing.
     */
    public data class Unverified(val pid: Long) : DaemonStatus()
}

/** [Daemon.start] found it running. */
public class DaemonAlreadyRunningException internal constructor(public val pid: Long, pidFile: Path) :
    CoprocException("already running as pid $pid (pidfile $pidFile)")

/**
 * [Daemon.start] or [Daemon.stop] found the pidfile locked by a process that is not provably the daemon: not
 * [pid], the one the pidfile names (see [DaemonStatus.Unverified]). Nothing was signalled.
 */
public class DaemonUnverifiedException internal constructor(public val pid: Long, pidFile: Path, action: String) :
    CoprocException(
        "$action: pidfile $pidFile is locked by another process than " +
            (if (pid > 0) "pid $pid, the one it names: pid $pid is not provably the daemon" else "a daemon (it names no pid)"),
    )
