package dev.coproc

import dev.coproc.internal.os.Pids
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.time.Duration
import kotlin.time.Duration.Companion.milliseconds

class ParentDeathSpec : FunSpec({
    extension(Hygiene)
    timeout = 60_000

    test("a worker exits by itself when its parent JVM is killed with SIGKILL, even mid-task") {
        // The grandchild spins in a task that never suspends: the parent's EOF is read beside it.
        val intermediate = Process(StartGrandchild(daemon = false, busy = true), name = "intermediate").also { it.start() }
        val grandchild = intermediate.await()
        // A non-daemon child is waited for at exit, as in Python: the intermediate stays, and so does its child.
        intermediate.join(300.milliseconds) shouldBe false
        Pids.awaitExit(grandchild, Duration.ZERO) shouldBe false

        intermediate.kill()
        intermediate.join()
        intermediate.exitCode shouldBe -9
        Pids.awaitExit(grandchild, Duration.ofSeconds(10)) shouldBe true
    }

    test("daemon children are terminated when their parent JVM exits normally") {
        val intermediate = Process(StartGrandchild(daemon = true)).also { it.start() }
        val grandchild = intermediate.await()
        intermediate.join()
        intermediate.exitCode shouldBe 0
        Pids.awaitExit(grandchild, Duration.ofSeconds(10)) shouldBe true
    }
})
