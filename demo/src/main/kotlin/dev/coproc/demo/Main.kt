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
        // The same examples written in Java only (tasks as records, the dev.coproc.java API), in demo/src/main/java.
        "java-pids" to { JavaSeedExamples.Pids.run() },
        "java-clock" to { JavaSeedExamples.Clock.run() },
        "java-daemon-process" to { JavaSeedExamples.Daemons.run() },
        "java-exitcodes" to { JavaSeedExamples.ExitCodes.run() },
        "java-pool" to { JavaPoolExamples.PoolApplyAsync.run() },
        "java-pool-map" to { JavaPoolExamples.PoolMap.run() },
        "java-pool-speedup" to { JavaPoolExamples.PoolSpeedup.run() },
        "java-pipe" to { JavaPipeExamples.PipeHello.run() },
        "java-pipe-eof" to { JavaPipeExamples.PipeEof.run() },
        "java-producer-consumer" to { JavaQueueExamples.ProducerConsumer.run() },
        "java-bounded-queue" to { JavaQueueExamples.BoundedQueue.run() },
        "java-ticket-race" to { JavaSyncExamples.TicketRace.run() },
        "java-lock-printing" to { JavaSyncExamples.LockPrinting.run() },
        "java-semaphore" to { JavaSyncExamples.SemaphoreTwo.run() },
        "java-event" to { JavaSyncExamples.EventExample.run() },
        "java-barrier" to { JavaSyncExamples.BarrierExample.run() },
        "java-value-array" to { JavaSyncExamples.ValueAndArray.run() },
        "java-subprocess" to { JavaCommandExamples.Subprocess.run() },
        "java-signals" to { JavaCommandExamples.SignalExample.run() },
        "java-daemon" to { JavaDaemonExample.DaemonExample.run() },
        "java-manager" to { JavaManagerExamples.ManagerDictList.run() },
        "java-manager-namespace" to { JavaManagerExamples.ManagerNamespace.run() },
        "java-manager-queue" to { JavaManagerExamples.ManagerQueue.run() },
        "java-manager-remote" to { JavaManagerExamples.ManagerRemote.run() },
        "java-cluster" to { JavaClusterExample.ClusterExample.run() },
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
        if (chosen.size == 3 && chosen[0] == "java-manager-remote-client") {
            JavaManagerExamples.ManagerRemote.client(chosen[1], chosen[2])
            return
        }
        if (chosen.size == 2 && chosen[0] == "java-daemon") {
            JavaDaemonExample.DaemonExample.command(chosen[1])
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
