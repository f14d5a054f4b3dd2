package dev.coproc

import dev.coproc.os.Signals
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.engine.spec.tempfile
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.collections.shouldNotContain
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import java.io.FileInputStream
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.future.await
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

class ProcessSpec : FunSpec({
    extension(Hygiene)
    timeout = 60_000

    test("a task runs in another process and its result comes back") {
        val p = Process(Square(7))
        p.start()
        p.await() shouldBe 49
        p.join()
        p.exitCode shouldBe 0
    }

    test("start returns the process, so starting and awaiting chain") {
        Process(Square(6)).start().use { p ->
            p.await() shouldBe 36
            p.join()
        }
    }

    test("join returns once this JVM has closed the child's pipes, even when the thread reading its replies is held up") {
        val before = Hygiene.openFds()
        val p = Process(Square(3))
        p.start()
        val joined = java.util.concurrent.CountDownLatch(1)
        var heldReader = false
        // Runs where the result is handed over: on the thread reading the child's replies, right after it told the
        // child to exit. It holds that thread until the child has exited, then until join has returned (300 ms at most).
        p.result().thenRun {
            heldReader = Thread.currentThread().name.startsWith("coproc-reader")
            dev.coproc.internal.os.Pids.awaitExit(p.pid!!, java.time.Duration.ofSeconds(30))
            joined.await(300, java.util.concurrent.TimeUnit.MILLISECONDS)
        }
        p.join()
        val atJoin = Hygiene.openFds()
        joined.countDown()
        p.await() shouldBe 9
        heldReader shouldBe true
        // The child's command and reply pipes are closed by then.
        atJoin.filter { (fd, target) -> target.startsWith("pipe:") && before[fd] != target } shouldBe emptyMap()
    }

    test("System.exit(3) in the child gives exit code 3 and no result") {
        val p = Process(ExitWith(3)).also { it.start() }
        val error = shouldThrow<ProcessDiedException> { p.await() }
        error.exitStatus.exitCode() shouldBe 3
        p.exitCode shouldBe 3
    }

    test("an exception thrown in the child arrives typed with the remote stack trace") {
        val p = Process(Fail("boom")).also { it.start() }
        val error = shouldThrow<RemoteTaskException> { p.await() }
        error.remoteClassName shouldBe "java.lang.IllegalStateException"
        error.remoteMessage shouldBe "boom"
        error.pid shouldBe p.pid
        val remote = error.cause as RemoteStackTrace
        remote.stackTrace.any { it.className == Fail::class.java.name && it.methodName == "run" } shouldBe true
        (remote.cause as RemoteStackTrace).remoteClassName shouldBe "java.lang.IllegalArgumentException"
        error.message shouldContain "boom"
        p.join()
        p.exitCode shouldBe 1
    }

    test("an exception whose message cannot be read, or is too large to send, still arrives typed") {
        val unreadable = Process(ThrowUnreadable()).also { it.start() }
        val error = withTimeout(30.seconds) { shouldThrow<RemoteTaskException> { unreadable.await() } }
        error.remoteClassName shouldBe UnreadableMessageException::class.java.name
        error.remoteMessage shouldContain "getMessage() refuses"
        unreadable.join()
        unreadable.exitCode shouldBe 1

        // 2M characters: over the frame limit of 1 MiB once encoded; cut, with the trace kept.
        val huge = Process(ThrowHugeMessage(2_000_000), options = WorkerOptions { maxFrameSize(1 shl 20) }).also { it.start() }
        val hugeError = withTimeout(30.seconds) { shouldThrow<RemoteTaskException> { huge.await() } }
        hugeError.remoteClassName shouldBe "java.lang.IllegalArgumentException"
        hugeError.remoteMessage!! shouldStartWith "huge:xxxx"
        hugeError.remoteMessage shouldContain "characters cut"
        (hugeError.cause as RemoteStackTrace).stackTrace.any { it.className == ThrowHugeMessage::class.java.name } shouldBe true
        huge.join()
    }

    test("a task that closes its worker's protocol pipes fails typed; the worker is killed, nothing hangs") {
        val p = Process(ClosePipes()).also { it.start() }
        val error = withTimeout(30.seconds) { shouldThrow<ProtocolException> { p.await() } }
        error.message shouldContain "closed its reply pipe"
        p.join(30.seconds) shouldBe true
        p.exitCode shouldBe -9
    }

    test("an OutOfMemoryError in the child arrives typed; this JVM is unaffected") {
        val p = Process(Allocate(512), options = WorkerOptions { maxHeap("32m") }).also { it.start() }
        shouldThrow<RemoteTaskException> { p.await() }.remoteClassName shouldBe "java.lang.OutOfMemoryError"
        p.join()
        p.exitCode shouldBe 1
    }

    test("SIGKILL gives exit code -9") {
        val p = Process(RunForever()).also { it.start() }
        p.kill()
        p.join(10.seconds) shouldBe true
        p.exitCode shouldBe -9
    }
})

class ProcessLifecycleSpec : FunSpec({
    extension(Hygiene)
    timeout = 60_000

    test("join with a timeout returns false while the child still runs") {
        val p = Process(RunForever()).also { it.start() }
        p.join(200.milliseconds) shouldBe false
        p.isAlive shouldBe true
        p.exitCode shouldBe null
        p.kill()
        p.join()
    }

    test("terminate cancels the task's coroutine in the child and reports -15") {
        val marker = tempfile()
        val p = Process(RunForever(marker.path)).also { it.start() }
        p.running.await()
        p.terminate()
        p.join(10.seconds) shouldBe true
        p.exitCode shouldBe -15
        marker.readText() shouldBe "cancelled"
    }

    test("terminate gives -15 at any moment of the child's start, before its own handler is installed too") {
        // At once: the child is still in exec, or in the JVM's start before the JVM catches SIGTERM.
        repeat(3) {
            val p = Process(RunForever()).also { it.start() }
            p.terminate()
            p.join(30.seconds) shouldBe true
            p.exitCode shouldBe -15
        }
        // Once the JVM catches SIGTERM itself (its handler exits with 143) and before the worker's main replaces it.
        repeat(3) {
            val p = Process(RunForever()).also { it.start() }
            awaitCatches(p.pid!!, Signals.SIGTERM)
            p.terminate()
            p.join(30.seconds) shouldBe true
            p.exitCode shouldBe -15
        }
    }

    test("a child slower to start than the grace period gets the SIGTERM at its hello, not a SIGKILL before") {
        // The grace counts from the SIGTERM sent, not asked for: it waits for the hello (see WorkerChannel.signal).
        val options = WorkerOptions { mainClass(SlowLauncher::class.java.name) }
        val p = Process(RunForever(), options = options).also { it.start() }
        try {
            // Undispatched: in its join (before the hello) when cancelled.
            val waiter = launch(start = CoroutineStart.UNDISPATCHED) { p.join() }
            waiter.cancelAndJoin()
            p.isAlive shouldBe false
            p.exitCode shouldBe -15
        } finally {
            p.kill()
        }
    }

    test("cancelling the coroutine that awaits a process terminates the child") {
        val marker = tempfile()
        val p = Process(RunForever(marker.path)).also { it.start() }
        val waiter = launch { p.await() }
        p.running.await()
        waiter.cancelAndJoin()
        p.isAlive shouldBe false
        p.exitCode shouldBe -15
        marker.readText() shouldBe "cancelled"
    }

    test("cancelling a join kills a child that ignores SIGTERM after the grace period") {
        val options = WorkerOptions { terminateGrace(300.milliseconds) }
        val ready = tempdir().toPath().resolve("ready")
        val p = Process(IgnoreTerm(ready.toString()), options = options).also { it.start() }
        val waiter = launch { p.join() }
        awaitFile(ready, 30.seconds) { it == "ready" }
        waiter.cancelAndJoin()
        p.isAlive shouldBe false
        p.exitCode shouldBe -9
    }

    test("pid, name, isAlive and exitCode follow the process's life") {
        val p = Process(Square(2), name = "squarer")
        p.pid shouldBe null
        p.isAlive shouldBe false
        p.name shouldBe "squarer"
        p.start()
        (p.pid!! > 0) shouldBe true
        p.await() shouldBe 4
        p.join()
        p.isAlive shouldBe false
        p.exitCode shouldBe 0
        p.toString() shouldContain "exit code 0"
        p.close()
        shouldThrow<IllegalStateException> { p.start() }
    }

    test("default names are Process-N, and a process can be started only once") {
        val p = Process(Square(3))
        p.name shouldStartWith "Process-"
        p.start()
        shouldThrow<IllegalStateException> { p.start() }.message shouldContain "already started"
        p.join()
    }

    test("daemon can be set only before start, and close refuses a running process") {
        val p = Process(RunForever())
        p.daemon = true
        p.start()
        shouldThrow<IllegalStateException> { p.daemon = false }
        shouldThrow<IllegalStateException> { p.close() }.message shouldContain "still running"
        p.kill()
        p.join()
        p.close()
    }

    test("use { } on a process that delivered its result ends it without throwing, even one that hangs at exit") {
        val p = Process(Square(5)).start()
        p.use { it.await() shouldBe 25 }
        p.isAlive shouldBe false
        p.exitCode shouldBe 0

        val hanging = Process(HangAtExit(7), options = WorkerOptions { terminateGrace(200.milliseconds) }).start()
        hanging.use { it.await() shouldBe 7 }
        hanging.isAlive shouldBe false
        setOf(-15, -9) shouldContain hanging.exitCode  // its SIGTERM handler halts it, or SIGKILL after the grace
        hanging.close() // twice: nothing
    }

    test("currentProcess in the child gives its name, its pid and this JVM as parent") {
        val p = Process(WhoAmI(), name = "who").also { it.start() }
        val info = p.await()
        info shouldBe Info("who", p.pid!!, ProcessHandle.current().pid())
        currentProcess().name shouldBe "MainProcess"
        p.join()
    }

    test("a subclass that overrides run() runs in the child") {
        val p = CountingProcess(5).also { it.start() }
        p.await() shouldBe 10 + p.name.length
        p.join()
    }

    test("the child sees none of this JVM's fds but its protocol pipes") {
        val file = tempfile()
        FileInputStream(file).use {
            // The JDK opens files without O_CLOEXEC: only the spawn's closefrom keeps this one out of the child.
            val p = Process(OpenFds()).also { it.start() }
            val targets = p.await()
            targets shouldNotContain file.absolutePath
            p.join()
        }
    }

    test("Process.activeChildren lists the running processes") {
        val p = Process(RunForever()).also { it.start() }
        Process.activeChildren() shouldContain p
        p.kill()
        p.join()
        Process.activeChildren() shouldNotContain p
    }
})

class ProcessScopeSpec : FunSpec({
    extension(Hygiene)
    timeout = 60_000

    test("leaving a scope terminates daemon processes and joins the others") {
        lateinit var daemon: Process<Unit>
        lateinit var worker: Process<Long>
        processScope {
            daemon = start(Process(RunForever(), daemon = true))
            worker = start(Process(Sleep(100)))
            daemon.running.await()
        }
        daemon.exitCode shouldBe -15
        worker.exitCode shouldBe 0
    }

    test("an exception in the scope terminates every process started in it") {
        lateinit var worker: Process<Unit>
        shouldThrow<IllegalStateException> {
            processScope {
                worker = start(Process(RunForever()))
                worker.running.await()
                error("scope failed")
            }
        }
        worker.isAlive shouldBe false
        worker.exitCode shouldBe -15
    }
})

/** Waits until process [pid] has a handler for [signal] (its bit in `SigCgt` of /proc/pid/status). */
suspend fun awaitCatches(pid: Long, signal: Int) = withTimeout(30.seconds) {
    val bit = 1L shl (signal - 1)
    while (true) {
        val caught = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/$pid/status"))
            .first { it.startsWith("SigCgt:") }.substringAfter(':').trim().toLong(16)
        if (caught and bit != 0L) return@withTimeout
        kotlinx.coroutines.delay(1) // polls the child's state: a condition with a deadline, not a sleep
    }
}
