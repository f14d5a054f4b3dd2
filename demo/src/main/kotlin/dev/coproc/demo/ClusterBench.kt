package dev.coproc.demo

import dev.coproc.Pool
import dev.coproc.Queue
import dev.coproc.SharedCounter
import dev.coproc.SharedLong
import dev.coproc.SharedQueue
import dev.coproc.Task
import dev.coproc.cluster.ClusterNode
import dev.coproc.cluster.ClusterSettings
import dev.coproc.cluster.clusterPool
import dev.coproc.processPool
import kotlinx.serialization.Serializable

/**
 * `demo bench cluster`: what a task pays for going through the cluster engine, against the local engine in the
 * same run: the round trip of one small `apply` (p50, µs), the per-task cost of a map of a trivial function
 * sent one item per task, and the rates of a shared counter's increments and of a shared queue's put+take
 * pairs, made by two tasks side by side (one per node, or per worker process) through the engine-neutral
 * [SharedCounter] and [SharedQueue]. The cluster is two Ignite server nodes in this JVM, so the figures are
 * Ignite's machinery and loopback TCP, not a network; on 2 cores no speed-up is expected from either.
 */
object ClusterBench {
    private const val CALLS = 3_000
    private const val TASKS = 3_000
    private const val LOCAL_INCREMENTS = 2_000_000
    private const val CLUSTER_INCREMENTS = 3_000
    private const val LOCAL_PAIRS = 200_000
    private const val CLUSTER_PAIRS = 1_000

    suspend fun run() {
        println()
        println("Cluster engine against the local pool, ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}")
        val local = processPool(workers = 2) {
            val counter = SharedLong()
            val queue = Queue<Int>(capacity = 1_000)
            try {
                measure(this, counter, LOCAL_INCREMENTS, queue, LOCAL_PAIRS)
            } finally {
                counter.close()
                queue.release()
            }
        }
        val cluster = ClusterNode.startServer(ClusterSettings.DEFAULT).use { first ->
            ClusterNode.startServer(ClusterSettings.DEFAULT).use { _ ->
                clusterPool(first, parallelism = 2) {
                    measure(this, first.counter("bench"), CLUSTER_INCREMENTS, first.queue<Int>("bench", capacity = 1_000), CLUSTER_PAIRS)
                }
            }
        }
        println()
        println("| measure | cluster pool (2 nodes) | local pool (2 workers) | cluster / local |")
        println("|---|---:|---:|---:|")
        println("| apply round trip p50, µs | %.0f | %.0f | %.1f |".format(cluster.applyP50, local.applyP50, cluster.applyP50 / local.applyP50))
        println("| map, one item per task: µs per task | %.1f | %.1f | %.1f |".format(cluster.perTask, local.perTask, cluster.perTask / local.perTask))
        println("| shared counter, increments/s (2 tasks) | %.0f | %.0f | %.5f |".format(cluster.increments, local.increments, cluster.increments / local.increments))
        println("| shared queue, put+take pairs/s (2 tasks) | %.0f | %.0f | %.4f |".format(cluster.pairs, local.pairs, cluster.pairs / local.pairs))
    }

    private class Figures(val applyP50: Double, val perTask: Double, val increments: Double, val pairs: Double)

    /**
     * The p50 of [CALLS] sequential applies (after as many to warm up), µs per task of a chunk-1 map, and the
     * rates of two tasks side by side each making [increments] increments of [counter], then [pairs] put+take
     * pairs on [queue] (each after a warm-up run of a tenth as many).
     */
    private suspend fun measure(pool: Pool, counter: SharedCounter, increments: Int, queue: SharedQueue<Int>, pairs: Int): Figures {
        repeat(CALLS) { pool.apply(Noop()) }
        val latencies = DoubleArray(CALLS) {
            val start = System.nanoTime()
            pool.apply(Noop())
            (System.nanoTime() - start) / 1e3
        }.sorted()
        pool.map(1..TASKS, Increment, chunkSize = 1)
        val start = System.nanoTime()
        pool.map(1..TASKS, Increment, chunkSize = 1)
        val perTask = (System.nanoTime() - start) / 1e3 / TASKS
        pool.map(List(2) { HammerCounter(counter, increments / 10) })
        val incrementRate = 2.0 * increments / pool.map(List(2) { HammerCounter(counter, increments) }).max() * 1e9
        pool.map(List(2) { PutAndTake(queue, pairs / 10) })
        val pairRate = 2.0 * pairs / pool.map(List(2) { PutAndTake(queue, pairs) }).max() * 1e9
        return Figures(latencies[CALLS / 2], perTask, incrementRate, pairRate)
    }
}

/** Increments [counter] [count] times; returns the nanoseconds it took. */
@Serializable
class HammerCounter(val counter: SharedCounter, val count: Int) : Task<Long> {
    override suspend fun run(): Long {
        val start = System.nanoTime()
        repeat(count) { counter.incrementAndGet() }
        return System.nanoTime() - start
    }
}

/** Puts an item in [queue] and takes one, [count] times; returns the nanoseconds it took. */
@Serializable
class PutAndTake(val queue: SharedQueue<Int>, val count: Int) : Task<Long> {
    override suspend fun run(): Long {
        val start = System.nanoTime()
        repeat(count) {
            queue.put(it)
            queue.get()
        }
        return System.nanoTime() - start
    }
}
