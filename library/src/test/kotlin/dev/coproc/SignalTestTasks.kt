package dev.coproc

import dev.coproc.os.Signals
import java.nio.file.Files
import java.nio.file.Path
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.yield
import kotlinx.serialization.Serializable

/** Collects the next two of SIGUSR1/SIGHUP this JVM receives; sets [ready] once its handlers are in place. */
@Serializable
class CollectSignals(val ready: Event) : Task<List<Int>> {
    override suspend fun run(): List<Int> = coroutineScope {
        val collected = async { receivedSignals(Signals.SIGUSR1, Signals.SIGHUP).take(2).toList() }
        // The kernel's view: the handlers are installed once this JVM catches both signals.
        while (!catches(Signals.SIGUSR1) || !catches(Signals.SIGHUP)) yield()
        ready.set()
        collected.await()
    }

    private fun catches(signal: Int): Boolean {
        val mask = Files.readAllLines(Path.of("/proc/self/status")).first { it.startsWith("SigCgt:") }.substringAfter(':').trim().toULong(16)
        return (mask shr (signal - 1)) and 1uL == 1uL
    }
}

/** This worker's nice value, CPUs and process group, as /proc shows them. */
@Serializable
class ReportScheduling : Task<List<String>> {
    override suspend fun run(): List<String> =
        listOf(Scheduling.nice().toString(), Scheduling.cpuAffinity().joinToString(","), Scheduling.processGroup().toString())
}

/** Starts `sleep 1000`, reports its pid through [report], then runs until killed. */
@Serializable
class StartCommandAndHang(val report: Connection<Long>, val killWithParent: Boolean) : Task<Unit> {
    override suspend fun run() {
        val sleeper = Command("sleep", "1000").killWithParent(killWithParent).start()
        report.send(sleeper.pid)
        kotlinx.coroutines.awaitCancellation()
    }
}

/**
 * Lists sleepers with a guard of its own whose table has 2 slots: a and b in the table, then c through the pipe
 * (the table full), b unlisted; the guard killed and replaced; d in b's freed slot, e through the new guard's pipe.
 * Reports the pids a, b, c, d, e, then runs until killed.
 */
@Serializable
class ListWithSmallGuard(val report: Connection<Long>) : Task<Unit> {
    override suspend fun run() {
        val guard = dev.coproc.internal.os.OrphanGuard(2)
        fun sleeper(): Long = Command("sleep", "1000").killWithParent(false).start().pid
        val (a, b, c) = List(3) { sleeper().also(guard::list) }
        guard.unlist(b)
        val first = guard.guardPid()
        Signals.send(first, Signals.SIGKILL)
        while (guard.guardPid() == first) yield()
        val (d, e) = List(2) { sleeper().also(guard::list) }
        for (pid in listOf(a, b, c, d, e)) report.send(pid)
        kotlinx.coroutines.awaitCancellation()
    }
}
