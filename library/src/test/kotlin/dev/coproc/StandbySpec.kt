package dev.coproc

import dev.coproc.internal.os.Pids
import dev.coproc.os.Signals
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.collections.shouldNotContain
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import java.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.withTimeout

class StandbySpec : FunSpec({
    extension(Hygiene)
    timeout = 180_000

    test("a process takes a worker started before it was asked for, and the set refills") {
        standbyWorkers(1) {
            awaitReady() shouldBe true
            val waiting = pids.single()
            val process = Process(Square(7)).also { it.start() }
            process.pid shouldBe waiting
            process.await() shouldBe 49
            process.join()
            process.exitCode shouldBe 0
            awaitReady() shouldBe true
            pids.single() shouldNotBe waiting
        }
    }

    test("a standby worker that died while waiting is never handed out, and is replaced") {
        standbyWorkers(1) {
            awaitReady() shouldBe true
            val doomed = pids.single()
            Signals.send(doomed, Signals.SIGKILL)
            Pids.awaitExit(doomed, Duration.ofSeconds(10)) shouldBe true
            val process = Process(Square(3)).also { it.start() }
            process.pid shouldNotBe doomed
            process.await() shouldBe 9
            process.join()
            withTimeout(60.seconds) { while (doomed in pids || pids.isEmpty()) awaitReady(1.seconds) }
            pids shouldNotContain doomed
        }
    }

    test("standby workers SIGKILLed just before a start are never handed out: the start gets a live worker") {
        standbyWorkers(2) {
            repeat(3) {
                awaitReady() shouldBe true
                // kill() returns before the worker is dead: it still looks alive to the set for a few milliseconds.
                pids.forEach { Signals.send(it, Signals.SIGKILL) }
                val process = Process(Square(5)).also { it.start() }
                withTimeout(60.seconds) { process.await() } shouldBe 25
                process.join()
                process.exitCode shouldBe 0
            }
        }
    }

    test("a pool's workers come from the standby set; a process with other options starts its own") {
        standbyWorkers(2, PoolOptions.DEFAULT_WORKER_OPTIONS) {
            awaitReady() shouldBe true
            val waiting = pids
            val workerPids = processPool(workers = 2) { map((1..8).map { WhoAmI() }).map { it.pid } }.toSet()
            workerPids shouldContainAll waiting
            awaitReady() shouldBe true
            val other = Process(WhoAmI()).also { it.start() } // the default options differ from a pool's
            waiting shouldNotContain other.pid
            other.await()
            other.join()
        }
    }

    test("a set unused for its idle timeout ends its waiting workers, and its next use starts them again") {
        standbyWorkers(1, idleTimeout = 2.seconds) {
            awaitReady() shouldBe true
            val first = pids.single()
            // The worker's exit is the event: the set ended it after 2 s unused.
            Pids.awaitExit(first, Duration.ofSeconds(30)) shouldBe true
            isAsleep shouldBe true
            pids.shouldBeEmpty()
            // The use that wakes the set starts its own worker; the set starts its standby again.
            val process = Process(Square(5)).also { it.start() }
            process.await() shouldBe 25
            process.join()
            awaitReady() shouldBe true
            isAsleep shouldBe false
            pids.single() shouldNotBe first
        }
    }

    test("closing a set while its workers are still starting ends them too") {
        val before = Hygiene.children().map { it.pid }.toSet()
        val started = StandbyWorkers.start(2)
        started.close()
        val left = Hygiene.children().filter { it.pid !in before }
        left.forEach { Pids.awaitExit(it.pid, Duration.ofSeconds(20)) shouldBe true }
        started.pids.shouldBeEmpty()
    }

    test("standby workers die with their parent, even one killed with SIGKILL") {
        SharedLongArray(2).use { pids ->
            Event().use { ready ->
                val parent = Process(KeepStandby(pids, ready)).also { it.start() }
                withTimeout(120.seconds) { ready.wait() }
                val standby = listOf(pids[0], pids[1])
                standby.forEach { Pids.awaitExit(it, Duration.ZERO) shouldBe false }
                parent.kill()
                parent.join()
                standby.forEach { Pids.awaitExit(it, Duration.ofSeconds(20)) shouldBe true }
            }
        }
    }
})
