package dev.coproc

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.time.Duration.Companion.seconds

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

    test("SIGKILL gives exit code -9") {
        val p = Process(RunForever()).also { it.start() }
        p.kill()
        p.join(10.seconds) shouldBe true
        p.exitCode shouldBe -9
    }
})
