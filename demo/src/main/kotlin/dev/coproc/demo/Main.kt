package dev.coproc.demo

import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking

/** `demo [example...|all|bench]`: runs the seeds' examples rebuilt on coproc, or the benchmark. */
object Main {
    private val examples: Map<String, suspend () -> Unit> = linkedMapOf(
        "quickstart" to { Quickstart.main() },
        "java-quickstart" to { JavaQuickstart.main(arrayOf()) },
        "pids" to { Pids.run() },
        "clock" to { Clock.run() },
        "daemon-process" to { Daemons.run() },
        "exitcodes" to { ExitCodes.run() },
        "pool" to { PoolApplyAsync.run() },
        "pool-map" to { PoolMap.run() },
        "pool-speedup" to { PoolSpeedup.run() },
        "pipe" to { PipeHello.run() },
        "pipe-eof" to { PipeEof.run() },
        "producer-consumer" to { ProducerConsumer.run() },
        "bounded-queue" to { BoundedQueue.run() },
        "ticket-race" to { TicketRace.run() },
        "lock-printing" to { LockPrinting.run() },
        "semaphore" to { SemaphoreTwo.run() },
        "event" to { EventExample.run() },
        "barrier" to { BarrierExample.run() },
        "value-array" to { ValueAndArray.run() },
        "subprocess" to { Subprocess.run() },
        "signals" to { SignalExample.run() },
        "daemon" to { DaemonExample.run() },
        "manager" to { ManagerDictList.run() },
        "manager-namespace" to { ManagerNamespace.run() },
        "manager-queue" to { ManagerQueue.run() },
        "manager-remote" to { ManagerRemote.run() },
        "cluster" to { ClusterExample.run() },
    )

    @JvmStatic
    fun main(args: Array<String>) {
        val chosen = args.toList().ifEmpty { listOf("all") }
        if (chosen == listOf("bench") || chosen.firstOrNull() == "bench") {
            Bench.main(chosen.drop(1))
            return
        }
        if (chosen.size == 3 && chosen[0] == "manager-remote-client") {
            runBlocking { ManagerRemote.client(chosen[1], chosen[2]) }
            return
        }
        if (chosen.size == 2 && chosen[0] == "daemon") {
            runBlocking { DaemonExample.command(chosen[1]) }
            return
        }
        val names = if (chosen == listOf("all")) examples.keys.toList() else chosen
        val unknown = names.filter { it !in examples }
        if (unknown.isNotEmpty()) {
            System.err.println("unknown example(s) $unknown; choose from ${examples.keys}, all, or bench")
            exitProcess(2)
        }
        runBlocking {
            for (name in names) {
                println("=== $name ===")
                examples.getValue(name)()
                println()
            }
        }
    }
}
