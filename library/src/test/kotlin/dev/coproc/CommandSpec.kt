package dev.coproc

import dev.coproc.os.ExitStatus
import dev.coproc.os.Signals
import dev.coproc.os.WaitStatus
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.types.shouldBeInstanceOf
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

class CommandSpec : FunSpec({
    extension(Hygiene)
    timeout = 90_000

    test("run captures stdout, stderr and the exit status; argv goes to the program without a shell") {
        val result = Command("sh", "-c", "echo \"\$1\"; echo oops >&2; exit 4", "sh", "a b; \$(rm -rf /)").run()
        result.stdoutText shouldBe "a b; \$(rm -rf /)\n"
        result.stderrText shouldBe "oops\n"
        result.status shouldBe ExitStatus.exited(4)
        result.exitCode shouldBe 4
    }

    test("several MiB on both streams at once: no deadlock, every byte captured") {
        val eight = 8 * 1024 * 1024
        val result = withTimeout(60.seconds) {
            Command.shell("head -c $eight /dev/zero & head -c $eight /dev/zero >&2 & wait").check().run()
        }
        result.stdout.size shouldBe eight
        result.stderr.size shouldBe eight
    }

    test("stdin from bytes, a string, a file and a flow of chunks") {
        Command("cat").stdin("héllo").run().stdoutText shouldBe "héllo"
        Command("cat").stdin(byteArrayOf(1, 2, 3)).run().stdout.toList() shouldBe listOf<Byte>(1, 2, 3)
        val file = Files.createTempFile("coproc-stdin", ".txt")
        try {
            Files.writeString(file, "from a file")
            Command("cat").stdin(CommandInput.File(file)).run().stdoutText shouldBe "from a file"
        } finally {
            Files.delete(file)
        }
        val chunk = ByteArray(64 * 1024) { it.toByte() }
        val streamed = Command("wc", "-c").stdin(CommandInput.Stream(flow { repeat(64) { emit(chunk) } })).run()
        streamed.stdoutText.trim() shouldBe (64 * 64 * 1024).toString()
    }

    test("a command that stops reading its input early is not an error") {
        val result = withTimeout(30.seconds) {
            Command("head", "-c", "1").stdin(ByteArray(4 * 1024 * 1024)).run()
        }
        result.stdout.size shouldBe 1
        result.status.success() shouldBe true
    }

    test("stdout streamed as a flow of lines while the command runs; piped stdin written as it goes") {
        Command("cat").stdin(CommandInput.Pipe).stdout(CommandOutput.Pipe).start().use { cat ->
            coroutineScope {
                val lines = async { cat.stdoutLines().toList() }
                cat.writeStdin("one\ntwo\n".encodeToByteArray())
                cat.writeStdin("thr".encodeToByteArray())
                cat.writeStdin("ee".encodeToByteArray())
                cat.closeStdin()
                withTimeout(30.seconds) { lines.await() } shouldBe listOf("one", "two", "three")
            }
            cat.await() shouldBe ExitStatus.exited(0)
        }
    }

    test("outputs to a file, discarded, or stderr merged into stdout") {
        val file = Files.createTempFile("coproc-out", ".txt")
        try {
            Command.shell("echo to-file").stdout(CommandOutput.File(file)).run().stdout.size shouldBe 0
            Files.readString(file) shouldBe "to-file\n"
            Command.shell("echo again").stdout(CommandOutput.File(file, append = true)).run()
            Files.readString(file) shouldBe "to-file\nagain\n"
        } finally {
            Files.delete(file)
        }
        Command.shell("echo gone; echo gone >&2").stdout(CommandOutput.Discard).stderr(CommandOutput.Discard).run().let {
            it.stdout.size shouldBe 0
            it.stderr.size shouldBe 0
        }
        Command.shell("echo out; echo err >&2").stderr(CommandOutput.ToStdout).run().stdoutText shouldBe "out\nerr\n"
    }

    test("environment and working directory") {
        val dir = Files.createTempDirectory("coproc-cwd")
        try {
            val result = Command.shell("echo \"\$FOO\"; pwd").env("FOO", "bar").directory(dir).run()
            result.stdoutText shouldBe "bar\n${dir.toRealPath()}\n"
            Command("sh", "-c", "echo \"[\$HOME]\"").environment(mapOf("PATH" to "/usr/bin:/bin")).run().stdoutText shouldBe "[]\n"
        } finally {
            Files.delete(dir)
        }
    }

    test("check fails on a non-zero exit with the status and the tail of stderr") {
        val error = shouldThrow<CommandFailedException> { Command.shell("echo boom >&2; exit 3").check().run() }
        error.status shouldBe ExitStatus.exited(3)
        error.stderrTail shouldBe "boom\n"
        error.message shouldContain "boom"
    }

    test("a command that cannot be started fails with a typed error naming it") {
        shouldThrow<ProcessStartException> { Command("coproc-no-such-program").run() }.message shouldContain "coproc-no-such-program"
        val notExecutable = Files.createTempFile("coproc-noexec", ".sh")
        try {
            shouldThrow<ProcessStartException> { Command(notExecutable.toString()).run() }.message shouldContain notExecutable.toString()
            shouldThrow<ProcessStartException> { Command("coproc-no-such-program").nice(5).run() }.message shouldContain "not found"
        } finally {
            Files.delete(notExecutable)
        }
    }

    test("a NUL character in the program, an argument or the environment is refused before anything is spawned, naming where") {
        val dir = Files.createTempDirectory("coproc-nul")
        try {
            val planted = dir.resolve("planted")
            // Cut at the NUL, as a C string is, each of these would run `touch planted`: the file tells whether one ran.
            val inArgument = shouldThrow<ProcessStartException> { Command("/bin/sh", "-c", "touch '$planted'\u0000; echo ignored").run() }
            inArgument.message shouldContain "argument 2"
            inArgument.message shouldNotContain "\u0000"
            shouldThrow<ProcessStartException> { Command("/usr/bin/touch\u0000/ignored", planted.toString()).run() }.message shouldContain "program"
            val inValue = shouldThrow<ProcessStartException> {
                Command("/bin/sh", "-c", "touch \"\$TARGET\"").env("TARGET", "$planted\u0000.ignored").run()
            }
            inValue.message shouldContain "environment variable TARGET"
            inValue.message shouldNotContain planted.toString() // a value may be a secret: it is not shown
            shouldThrow<ProcessStartException> { Command("/bin/sh", "-c", "touch '$planted'").env("BAD\u0000NAME", "x").run() }
                .message shouldContain "environment variable name"
            shouldThrow<ProcessStartException> { Command("/bin/sh", "-c", "touch '$planted'").env("BAD=NAME", "x").run() }
                .message shouldContain "environment variable name"
            // Wrapped by nice, and started rather than run: the same refusal, naming the argument as given.
            shouldThrow<ProcessStartException> { Command("/bin/sh", "-c", "touch '$planted'\u0000").nice(5).start() }
                .message shouldContain "argument 2"
            Files.exists(planted) shouldBe false
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    test("a timeout terminates the command and its grandchildren, keeping what it wrote") {
        val error = shouldThrow<CommandTimeoutException> {
            Command.shell("sleep 1000 & echo \$!; wait").timeout(300.milliseconds).run()
        }
        val grandchild = error.stdout.decodeToString().trim().toLong()
        withTimeout(10.seconds) { while (isRunning(grandchild)) kotlinx.coroutines.yield() }
        error.timeout shouldBe 300.milliseconds
    }

    test("cancelling the caller kills the command's whole process group") {
        Command.shell("sleep 1000 & echo \$!; wait").stdout(CommandOutput.Pipe).start().use { running ->
            val grandchild = withTimeout(30.seconds) { running.stdoutLines().first() }.toLong()
            coroutineScope {
                val waiting = launch(start = CoroutineStart.UNDISPATCHED) { running.result() }
                waiting.cancelAndJoin()
            }
            running.poll()!!.signal() shouldBe Signals.SIGKILL
            withTimeout(10.seconds) { while (isRunning(grandchild)) kotlinx.coroutines.yield() }
        }
    }

    test("a cancelled run() kills its command and returns once it is reaped, its captures closed") {
        val pidFile = Files.createTempFile("coproc-cancelled-run", ".pid")
        try {
            coroutineScope {
                val running = launch(Dispatchers.Default) { Command.shell("echo \$\$ > $pidFile; exec sleep 1000").run() }
                val pid = withTimeout(30.seconds) {
                    while (!Files.readString(pidFile).endsWith("\n")) kotlinx.coroutines.yield()
                    Files.readString(pidFile).trim().toLong()
                }
                running.cancelAndJoin()
                isRunning(pid) shouldBe false
            }
        } finally {
            Files.deleteIfExists(pidFile)
        }
    }

    test("a run() whose caller is cancelled before it first suspends kills the command and closes its pipes") {
        // The captures' coroutines never start in a cancelled scope: they must close their pipes all the same.
        // The spec's hygiene check counts the descriptors.
        shouldThrow<CancellationException> {
            coroutineScope {
                cancel()
                Command("sleep", "1000").stdin("unread").run()
            }
        }
    }

    test("a command dies with its parent JVM, even when the parent is killed by SIGKILL (unless told otherwise)") {
        for (killWithParent in listOf(true, false)) {
            val (reports, reporter) = Pipe<Long>(duplex = false)
            try {
                val parent = Process(StartCommandAndHang(reporter, killWithParent)).also { it.start() }
                reporter.close()
                val sleeper = withTimeout(30.seconds) { reports.receive() }
                isRunning(sleeper) shouldBe true
                parent.kill()
                parent.join()
                if (killWithParent) {
                    withTimeout(10.seconds) { while (isRunning(sleeper)) kotlinx.coroutines.yield() }
                } else {
                    isRunning(sleeper) shouldBe true
                    Signals.send(sleeper, Signals.SIGKILL)
                }
            } finally {
                reports.close()
            }
        }
    }

    test("the orphan guard kills what its table lists and, once the table is full, what its pipe lists; a killed guard is replaced and knows both") {
        val (reports, reporter) = Pipe<Long>(duplex = false)
        try {
            val parent = Process(ListWithSmallGuard(reporter)).also { it.start() }
            reporter.close()
            val (a, b, c, d, e) = withTimeout(30.seconds) { List(5) { reports.receive() } }
            listOf(a, b, c, d, e).forEach { isRunning(it) shouldBe true }
            parent.kill()
            parent.join()
            // a was in the table when the first guard was killed, c in its pipe (sent again to the new guard); d took
            // b's slot; e went through the new pipe.
            withTimeout(10.seconds) { while (listOf(a, c, d, e).any(::isRunning)) kotlinx.coroutines.yield() }
            isRunning(b) shouldBe true // unlisted
            Signals.send(b, Signals.SIGKILL)
        } finally {
            reports.close()
        }
    }

    test("a timed-out command whose escaped grandchild holds its output open still reports what it wrote, both ways") {
        val pidFile = Files.createTempFile("coproc-escaped", ".pid")
        try {
            val command = Command.shell("echo started; setsid sleep 60 & echo \$! > $pidFile; exec sleep 100")
                .timeout(300.milliseconds).terminateGrace(100.milliseconds)
            val suspending = shouldThrow<CommandTimeoutException> { command.run() }
            Signals.send(Files.readString(pidFile).trim().toLong(), Signals.SIGKILL)
            val blocking = shouldThrow<CommandTimeoutException> {
                kotlinx.coroutines.withContext(Dispatchers.IO) { dev.coproc.java.JavaCommand.wrap(command).run() }
            }
            Signals.send(Files.readString(pidFile).trim().toLong(), Signals.SIGKILL)
            for (timedOut in listOf(suspending, blocking)) timedOut.stdout.decodeToString() shouldBe "started\n"
        } finally {
            Files.delete(pidFile)
        }
    }

    test("start: pid, poll, stop and continue observed, terminate reported as killed by SIGTERM") {
        Command("sleep", "1000").start().use { sleeper ->
            sleeper.poll() shouldBe null
            isRunning(sleeper.pid) shouldBe true
            sleeper.pollStopOrContinue() shouldBe null
            sleeper.sendSignal(Signals.SIGSTOP)
            withTimeout(10.seconds) { while (!sleeper.isStopped) kotlinx.coroutines.yield() }
            val stopped = withTimeout(10.seconds) { nextStopOrContinue(sleeper) }
            stopped.kind() shouldBe WaitStatus.Kind.STOPPED
            stopped.stopSignal() shouldBe Signals.SIGSTOP
            stopped.toString() shouldBe "stopped by signal 19 (SIGSTOP)"
            sleeper.sendSignal(Signals.SIGCONT)
            withTimeout(10.seconds) { while (sleeper.isStopped) kotlinx.coroutines.yield() }
            withTimeout(10.seconds) { nextStopOrContinue(sleeper) }.kind() shouldBe WaitStatus.Kind.CONTINUED
            sleeper.terminate()
            val status = withTimeout(10.seconds) { sleeper.await() }
            status.shouldBeInstanceOf<ExitStatus>()
            status.signal() shouldBe Signals.SIGTERM
            status.code() shouldBe -15
            status.signalName() shouldBe "SIGTERM"
            sleeper.sendSignal(Signals.SIGTERM) shouldBe false
        }
    }

    test("killed by a signal: number, name, and whether the kernel dumped a core") {
        val dir = Files.createTempDirectory("coproc-core")
        try {
            val result = Command.shell("ulimit -c unlimited 2>/dev/null; kill -SEGV \$\$").directory(dir).run()
            result.status.signal() shouldBe 11
            result.status.signalName() shouldBe "SIGSEGV"
            result.exitCode shouldBe -11
            val pattern = Files.readString(Path.of("/proc/sys/kernel/core_pattern")).trim()
            // Where cores go to the working directory, the flag must say exactly whether one was written.
            if (!pattern.startsWith("|") && '/' !in pattern) {
                val written = Files.list(dir).use { files -> files.anyMatch { it.fileName.toString().startsWith("core") } }
                result.status.coreDumped() shouldBe written
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    test("nice value and CPU affinity are in place before the program starts, as /proc shows them") {
        val result = Command.shell("cut -d' ' -f19 /proc/self/stat; grep Cpus_allowed_list /proc/self/status")
            .nice(7).cpuAffinity(setOf(0)).check().run()
        val (nice, cpus) = result.stdoutText.lines()
        nice shouldBe "7"
        cpus.substringAfter(':').trim() shouldBe "0"
    }
})

private suspend fun nextStopOrContinue(command: RunningCommand): WaitStatus {
    while (true) {
        command.pollStopOrContinue()?.let { return it }
        kotlinx.coroutines.yield()
    }
}

/** True while [pid] runs (a zombie waiting for its reaper does not count). */
private fun isRunning(pid: Long): Boolean {
    val stat = runCatching { Files.readString(Path.of("/proc/$pid/stat")) }.getOrNull() ?: return false
    return stat.substring(stat.lastIndexOf(')') + 2)[0] != 'Z'
}
