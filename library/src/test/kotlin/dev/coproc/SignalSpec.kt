package dev.coproc

import dev.coproc.os.Signals
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.withTimeout

class SignalSpec : FunSpec({
    extension(Hygiene)
    timeout = 90_000

    test("a child JVM receives the signals sent to it as a flow") {
        Event().use { ready ->
            val child = Process(CollectSignals(ready)).also { it.start() }
            withTimeout(30.seconds) { ready.wait() }
            Signals.send(child.pid!!, Signals.SIGUSR1) shouldBe true
            Signals.send(child.pid!!, Signals.SIGHUP) shouldBe true
            withTimeout(30.seconds) { child.await() } shouldContainExactlyInAnyOrder listOf(Signals.SIGUSR1, Signals.SIGHUP)
            child.join()
        }
    }

    test("handlers come and go with their handle; signals the JVM cannot handle are refused by name") {
        val seen = mutableListOf<Int>()
        handleSignals(Signals.SIGUSR2) { synchronized(seen) { seen += it } }.use {
            Signals.send(dev.coproc.internal.os.Pids.current(), Signals.SIGUSR2)
            withTimeout(10.seconds) { while (synchronized(seen) { seen.isEmpty() }) kotlinx.coroutines.yield() }
        }
        seen shouldBe listOf(Signals.SIGUSR2)
        shouldThrow<IllegalArgumentException> { handleSignals(Signals.SIGKILL) {} }.message shouldContain "SIGKILL"
        shouldThrow<IllegalArgumentException> { handleSignals(Signals.SIGQUIT) {} }.message shouldContain "SIGQUIT"
    }

    test("a signal sent to a process group reaches every member") {
        Command.shell("sleep 1000 & sleep 1000 & wait").start().use { group ->
            withTimeout(10.seconds) { while (childrenOf(group.pid) < 2) kotlinx.coroutines.yield() }
            group.signalGroup(Signals.SIGTERM) shouldBe true
            withTimeout(10.seconds) { group.await() }.signal() shouldBe Signals.SIGTERM
        }
    }

    test("workers run with the nice value, CPUs and process group asked for, as /proc shows them") {
        val options = WorkerOptions { nice(6); cpuAffinity(setOf(0)); newProcessGroup(true) }
        val worker = Process(ReportScheduling(), options = options).also { it.start() }
        val (nice, cpus, group) = worker.await()
        worker.join()
        nice shouldBe "6"
        cpus shouldBe "0"
        group shouldBe worker.pid.toString()
    }
})

private fun childrenOf(pid: Long): Int = java.nio.file.Files.list(java.nio.file.Path.of("/proc")).use { procs ->
    procs.toList().count { dir ->
        val stat = runCatching { java.nio.file.Files.readString(dir.resolve("stat")) }.getOrNull() ?: return@count false
        stat.substring(stat.lastIndexOf(')') + 2).split(' ')[1] == pid.toString()
    }
}
