package dev.coproc

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

class DaemonSpec : FunSpec({
    extension(Hygiene)
    timeout = 90_000

    val work = Files.createTempDirectory("coproc-daemon")
    afterSpec { work.toFile().deleteRecursively() }

    fun ticker(name: String, ignoreTerm: Boolean = false) = Daemon(
        Command("/bin/sh", "-c", (if (ignoreTerm) "trap '' TERM; " else "") + "while :; do echo tick; sleep 1; done"),
        pidFile = work.resolve("$name.pid"),
        logFile = work.resolve("$name.log"),
        stopGrace = 500.milliseconds,
    )

    test("start: a new session, working directory /, umask, stdin from /dev/null, output to the log, pidfile written") {
        val daemon = ticker("basic")
        val pid = daemon.start()
        try {
            daemon.status() shouldBe DaemonStatus.Running(pid)
            Files.readString(daemon.pidFile).trim() shouldBe pid.toString()
            val fields = stat(pid)
            fields[3] shouldBe pid.toString() // session id: its own session, so no controlling terminal
            fields[4] shouldBe "0" // tty_nr
            Files.readSymbolicLink(Path.of("/proc/$pid/cwd")).toString() shouldBe "/"
            Files.readSymbolicLink(Path.of("/proc/$pid/fd/0")).toString() shouldBe "/dev/null"
            Files.readAllLines(Path.of("/proc/$pid/status")).first { it.startsWith("Umask:") }.substringAfter(':').trim() shouldBe "0027"
            withTimeout(30.seconds) { while (!Files.readString(daemon.logFile!!).contains("tick")) yield() }
        } finally {
            daemon.stop() shouldBe true
        }
        isRunning(pid) shouldBe false
        Files.exists(daemon.pidFile) shouldBe false
        daemon.status() shouldBe DaemonStatus.Stopped
        daemon.stop() shouldBe false
    }

    test("a second start while it runs fails with already running") {
        val daemon = ticker("twice")
        val pid = daemon.start()
        try {
            shouldThrow<DaemonAlreadyRunningException> { daemon.start() }.pid shouldBe pid
            // Another Daemon object on the same pidfile (another JVM's view) sees the same.
            ticker("twice").status() shouldBe DaemonStatus.Running(pid)
        } finally {
            daemon.stop()
        }
    }

    test("a stale pidfile (its daemon killed by SIGKILL) is detected and replaced") {
        val daemon = ticker("stale")
        val first = daemon.start()
        dev.coproc.os.Signals.sendToGroup(first, dev.coproc.os.Signals.SIGKILL)
        // Its whole group, not only its leader: the shell's `sleep` holds the inherited lock until it is gone too.
        withTimeout(10.seconds) { while (groupRunning(first)) yield() }
        daemon.status() shouldBe DaemonStatus.Stale(first)
        val second = daemon.start()
        try {
            second shouldNotBe first
            daemon.status() shouldBe DaemonStatus.Running(second)
        } finally {
            daemon.stop()
        }
    }

    test("a pidfile naming a live process that does not hold its lock is Stale: start replaces it, stop never signals that process") {
        // A recycled pid: the pidfile survived its daemon, and the pid now belongs to an unrelated process.
        Command("sleep", "1000").start().use { stranger ->
            val daemon = ticker("recycled")
            Files.writeString(daemon.pidFile, "${stranger.pid}\n")
            daemon.status() shouldBe DaemonStatus.Stale(stranger.pid)
            daemon.stop() shouldBe false
            Files.exists(daemon.pidFile) shouldBe false
            stranger.poll() shouldBe null
            Files.writeString(daemon.pidFile, "${stranger.pid}\n")
            val pid = daemon.start()
            try {
                pid shouldNotBe stranger.pid
                Files.readString(daemon.pidFile).trim() shouldBe pid.toString()
                daemon.status() shouldBe DaemonStatus.Running(pid)
            } finally {
                daemon.stop() shouldBe true
            }
            isRunning(pid) shouldBe false
            stranger.poll() shouldBe null
        }
    }

    test("a pidfile locked by a process that is not the pid it names is Unverified: start and stop refuse, nothing is signalled") {
        Command("sleep", "1000").start().use { stranger ->
            val daemon = ticker("foreign")
            Files.writeString(daemon.pidFile, "${stranger.pid}\n")
            // This JVM holds the lock: a process the pidfile does not name (a program that is not this daemon).
            dev.coproc.internal.os.PidFile.open(daemon.pidFile).use { foreign ->
                foreign.tryLock() shouldBe true
                daemon.status() shouldBe DaemonStatus.Unverified(stranger.pid)
                shouldThrow<DaemonUnverifiedException> { daemon.start() }.pid shouldBe stranger.pid
                shouldThrow<DaemonUnverifiedException> { daemon.stop() }.message shouldContain daemon.pidFile.toString()
                Files.readString(daemon.pidFile).trim() shouldBe stranger.pid.toString()
                stranger.poll() shouldBe null
            }
            // The lock holder gone, the pidfile is stale again and the stranger still alive.
            daemon.status() shouldBe DaemonStatus.Stale(stranger.pid)
            daemon.stop() shouldBe false
            stranger.poll() shouldBe null
        }
    }

    test("stop sends SIGKILL after the grace period to a daemon that ignores SIGTERM; restart gives a new pid") {
        val daemon = ticker("stubborn", ignoreTerm = true)
        val first = daemon.start()
        val second = daemon.restart()
        try {
            isRunning(first) shouldBe false
            second shouldNotBe first
        } finally {
            daemon.stop() shouldBe true
        }
        isRunning(second) shouldBe false
    }

    test("a program that cannot be started (missing, or a NUL in an argument) fails with a typed error; status of a missing pidfile is Stopped") {
        val missing = Daemon(Command("/nonexistent/coproc-daemon"), pidFile = work.resolve("missing.pid"))
        missing.status() shouldBe DaemonStatus.Stopped
        shouldThrow<ProcessStartException> { missing.start() }.message shouldContain "/nonexistent/coproc-daemon"
        missing.status() shouldBe DaemonStatus.Stopped
        missing.stop() shouldBe false
        // A NUL would cut the argument short (this one would then run `touch`): refused before the pidfile is made.
        val planted = work.resolve("planted")
        val cut = Daemon(Command("/bin/sh", "-c", "touch '$planted'\u0000"), pidFile = work.resolve("nul.pid"))
        shouldThrow<ProcessStartException> { cut.start() }.message shouldContain "argument 2"
        Files.exists(cut.pidFile) shouldBe false
        Files.exists(planted) shouldBe false
    }
})

private fun stat(pid: Long): List<String> {
    val stat = Files.readString(Path.of("/proc/$pid/stat"))
    return stat.substring(stat.lastIndexOf(')') + 2).split(' ')
}

private fun isRunning(pid: Long): Boolean = runCatching { stat(pid)[0] != "Z" }.getOrDefault(false)

/** Whether any process of group [pgid] has yet to exit (a zombie has closed its descriptors already). */
private fun groupRunning(pgid: Long): Boolean = Files.list(Path.of("/proc")).use { entries ->
    entries.anyMatch { entry ->
        val pid = entry.fileName.toString().toLongOrNull() ?: return@anyMatch false
        runCatching { stat(pid).let { it[2] == pgid.toString() && it[0] != "Z" } }.getOrDefault(false)
    }
}

