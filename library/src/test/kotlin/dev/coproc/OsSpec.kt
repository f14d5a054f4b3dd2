package dev.coproc

import dev.coproc.os.ExitStatus
import dev.coproc.internal.os.Fd
import dev.coproc.internal.os.Pids
import dev.coproc.internal.os.Pipes
import dev.coproc.internal.os.Reaper
import dev.coproc.os.Signals
import dev.coproc.internal.os.Spawn
import dev.coproc.internal.os.SpawnException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/** Runs [argv] with stdout on a pipe; returns what it printed and how it ended. */
private fun run(argv: List<String>, configure: Spawn.() -> Unit = {}): Pair<String, ExitStatus> {
    val out = Pipes.open()
    val pid = Spawn.of(argv).stdout(Spawn.Redirect.to(out[1])).apply(configure).start()
    out[1].close()
    val exit = Reaper.get().watch(pid).thenApply(ExitStatus::decode)
    val text = out[0].inputStream().use { String(it.readAllBytes()) }
    return text to exit.get(10, TimeUnit.SECONDS)
}

class OsSpec : FunSpec({
    extension(Hygiene)
    timeout = 60_000

    test("exit status: an exit code") {
        run(listOf("/bin/sh", "-c", "exit 7")).second shouldBe ExitStatus.exited(7)
    }

    test("exit status: killed by a signal, named") {
        val status = run(listOf("/bin/sh", "-c", "kill -TERM $$")).second
        status.killedBySignal() shouldBe true
        status.signal() shouldBe Signals.SIGTERM
        status.code() shouldBe -15
        status.toString() shouldContain "SIGTERM"
    }

    test("exit status decoding follows waitpid's layout") {
        ExitStatus.decode(3 shl 8) shouldBe ExitStatus.exited(3)
        ExitStatus.decode(9) shouldBe ExitStatus.killed(9, false)
        ExitStatus.decode(11 or 0x80) shouldBe ExitStatus.killed(11, true)
        ExitStatus.decode(11 or 0x80).toString() shouldBe "killed by signal 11 (SIGSEGV), core dumped"
        shouldThrow<IllegalArgumentException> { ExitStatus.decode(0x137f) }
    }

    test("argv is passed as is, with no shell") {
        run(listOf("/bin/echo", "a b", "\$HOME", "*")).first shouldBe "a b \$HOME *\n"
    }

    test("the environment is exactly the one given") {
        run(listOf("/usr/bin/env")) { environment(mapOf("ONLY" to "this")) }.first shouldBe "ONLY=this\n"
    }

    test("the working directory is set") {
        val dir = tempdir().toPath().toRealPath()
        run(listOf("/bin/pwd")) { directory(dir) }.first shouldBe "$dir\n"
    }

    test("a program without a slash is found in PATH") {
        run(listOf("echo", "found")).first shouldBe "found\n"
    }

    test("the child has its mapped fds and no other fd of this JVM") {
        val extra = Pipes.open()
        val leaky = java.io.FileInputStream(tempdir().resolve("f").apply { writeText("x") })
        try {
            val (fds, _) = run(listOf("/bin/sh", "-c", "ls /proc/$$/fd")) { mapFd(extra[0], 3) }
            fds.lines().filter { it.isNotBlank() }.map { it.toInt() }.sorted() shouldBe listOf(0, 1, 2, 3)
        } finally {
            leaky.close()
            extra.forEach(Fd::close)
        }
    }

    test("a program that does not exist fails with SpawnException naming it") {
        val error = shouldThrow<SpawnException> { Spawn.of(listOf("/no/such/program")).start() }
        error.program() shouldBe "/no/such/program"
        error.message shouldContain "ENOENT"
    }

    test("a NUL character in argv, the environment or the directory fails with SpawnException (EINVAL) before anything is spawned") {
        val planted = tempdir().toPath().resolve("planted")
        // Cut at the NUL, as a C string is, each would run `touch planted`: the file tells whether one ran.
        val inArgv = shouldThrow<SpawnException> { Spawn.of(listOf("/bin/sh", "-c", "touch '$planted'\u0000; echo ignored")).start() }
        inArgv.message shouldContain "argument 2"
        inArgv.message shouldContain "EINVAL"
        inArgv.errno() shouldBe 22
        shouldThrow<SpawnException> { Spawn.of(listOf("/usr/bin/touch\u0000/ignored", planted.toString())).start() }
            .message shouldContain "program"
        shouldThrow<SpawnException> {
            Spawn.of(listOf("/bin/sh", "-c", "touch \"\$TARGET\"")).environment(mapOf("TARGET" to "$planted\u0000.ignored")).start()
        }.message shouldContain "environment variable TARGET"
        shouldThrow<SpawnException> {
            Spawn.of(listOf("/bin/sh", "-c", "touch '$planted'")).environment(mapOf("TARGET\u0000" to "x")).start()
        }.message shouldContain "environment variable name"
        Files.exists(planted) shouldBe false
    }

    test("a file that is not executable fails with SpawnException") {
        val file = tempdir().toPath().resolve("script").also { Files.writeString(it, "#!/bin/sh\n") }
        shouldThrow<SpawnException> { Spawn.of(listOf(file.toString())).start() }.message shouldContain "EACCES"
    }

    test("a new process group: the child leads it, and a group signal reaches it") {
        val pid = Spawn.of(listOf("/bin/sleep", "60")).newProcessGroup(true).start()
        val exit = Reaper.get().watch(pid).thenApply(ExitStatus::decode)
        val stat = Files.readString(Path.of("/proc/$pid/stat")).substringAfterLast(')').trim().split(' ')
        stat[2].toInt() shouldBe pid
        Signals.sendToGroup(pid.toLong(), Signals.SIGKILL) shouldBe true
        exit.get(10, TimeUnit.SECONDS) shouldBe ExitStatus.killed(9, false)
    }

    test("the reaper collects a child nobody joins: it never stays a zombie") {
        val pid = Spawn.of(listOf("/bin/true")).start()
        val exit = Reaper.get().watch(pid).thenApply(ExitStatus::decode)
        Pids.awaitExit(pid.toLong(), java.time.Duration.ofSeconds(10)) shouldBe true
        exit.get(10, TimeUnit.SECONDS) shouldBe ExitStatus.exited(0)
        Files.exists(Path.of("/proc/$pid")) shouldBe false
    }

    test("a child waited for in the caller's thread: nobody else reaps it; handed over, the poller's thread does") {
        val pid = Spawn.of(listOf("/bin/true")).start()
        val exit = Reaper.get().watchInCaller(pid).thenApply(ExitStatus::decode)
        Reaper.get().exitDescriptor(pid)!!.use { descriptor ->
            Pids.awaitExit(pid.toLong(), java.time.Duration.ofSeconds(10)) shouldBe true
            // Ended, and still a zombie: only the caller reaps it, once it looks.
            Files.readString(Path.of("/proc/$pid/stat")).substringAfterLast(')').trim()[0] shouldBe 'Z'
            exit.isDone shouldBe false
            descriptor.isClosed shouldBe false
        }
        Reaper.get().reapIfEnded(pid) shouldBe true
        exit.getNow(null) shouldBe ExitStatus.exited(0)
        Files.exists(Path.of("/proc/$pid")) shouldBe false
        Reaper.get().exitDescriptor(pid) shouldBe null

        val second = Spawn.of(listOf("/bin/sh", "-c", "exit 3")).start()
        val secondExit = Reaper.get().watchInCaller(second)
        Reaper.get().watch(second) shouldBe secondExit
        secondExit.thenApply(ExitStatus::decode).get(10, TimeUnit.SECONDS) shouldBe ExitStatus.exited(3)
    }

    test("signals: send to a gone pid returns false; names are symbolic") {
        val pid = Spawn.of(listOf("/bin/true")).start()
        Reaper.get().watch(pid).thenApply(ExitStatus::decode).get(10, TimeUnit.SECONDS)
        Signals.send(pid.toLong(), Signals.SIGTERM) shouldBe false
        Signals.name(Signals.SIGKILL) shouldBe "SIGKILL"
        Signals.name(Signals.SIGUSR1) shouldBe "SIGUSR1"
    }

    test("pids of this JVM") {
        Pids.current() shouldBe ProcessHandle.current().pid()
        Pids.parent() shouldBe ProcessHandle.current().parent().get().pid()
    }

    test("pipes are close-on-exec from birth") {
        val pipe = Pipes.open()
        try {
            val flags = Files.readAllLines(Path.of("/proc/self/fdinfo/${pipe[0].number()}")).first { it.startsWith("flags:") }
            // O_CLOEXEC is 02000000 (octal) in fdinfo's octal flags.
            (flags.substringAfter(':').trim().toInt(8) and 0x80000 != 0) shouldBe true
        } finally {
            pipe.forEach(Fd::close)
        }
    }
})
