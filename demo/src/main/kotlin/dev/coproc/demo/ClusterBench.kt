package dev.coproc.demo

import dev.coproc.Event
import dev.coproc.Pool
import dev.coproc.Queue
import dev.coproc.SharedCounter
import dev.coproc.SharedEvent
import dev.coproc.SharedLong
import dev.coproc.SharedQueue
import dev.coproc.Task
import dev.coproc.cluster.ClusterNode
import dev.coproc.cluster.ClusterSettings
import dev.coproc.cluster.clusterPool
import dev.coproc.processPool
import kotlinx.coroutines.coroutineScope
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
            val made = mutableListOf<AutoCloseable>()
            try {
                measure(this, LOCAL_INCREMENTS, LOCAL_PAIRS, object : BenchObjects {
                    override fun counter() = SharedLong().also { made += it }
                    override fun queue() = Queue<Int>(capacity = 1_000).also { made += it }
                    override fun event() = Event().also { made += it }
                })
            } finally {
                made.forEach { it.close() }
            }
        }
        val cluster = ClusterNode.startServer(ClusterSettings.DEFAULT).use { first ->
            ClusterNode.startServer(ClusterSettings.DEFAULT).use { _ ->
                var names = 0
                clusterPool(first, parallelism = 2) {
                    measure(this, CLUSTER_INCREMENTS, CLUSTER_PAIRS, object : BenchObjects {
                        override fun counter() = first.counter("bench-${++names}")
                        override fun queue() = first.queue<Int>("bench-${++names}", capacity = 1_000)
                        override fun event() = first.event("bench-${++names}")
                    })
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

    /** One engine's objects, made through the engine-neutral interfaces the bench tasks take. */
    private interface BenchObjects {
        fun counter(): SharedCounter
        fun queue(): SharedQueue<Int>
        fun event(): SharedEvent
    }

    /**
     * The p50 of [CALLS] sequential applies (after as many to warm up), µs per task of a chunk-1 map, and the
     * rates of two tasks side by side each making [increments] increments of one counter, then [pairs] put+take
     * pairs on one queue (each after a warm-up run of a tenth as many).
     */
    private suspend fun measure(pool: Pool, increments: Int, pairs: Int, objects: BenchObjects): Figures {
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

        val counter = objects.counter()
        sideBySide(pool, objects) { ready, go -> HammerCounter(counter, increments / 10, ready, go) }
        val incrementRate = 2.0 * increments / sideBySide(pool, objects) { ready, go -> HammerCounter(counter, increments, ready, go) } * 1e9
        val queue = objects.queue()
        sideBySide(pool, objects) { ready, go -> PutAndTake(queue, pairs / 10, ready, go) }
        val pairRate = 2.0 * pairs / sideBySide(pool, objects) { ready, go -> PutAndTake(queue, pairs, ready, go) } * 1e9
        return Figures(latencies[CALLS / 2], perTask, incrementRate, pairRate)
    }

    /**
     * Runs two tasks that start together: each says it is ready and waits for one go signal, so neither runs
     * alone while the other is still being dispatched. Returns the longer of their running times, in ns.
     */
    private suspend fun sideBySide(pool: Pool, objects: BenchObjects, task: (SharedQueue<Int>, SharedEvent) -> Task<Long>): Long = coroutineScope {
        val ready = objects.queue()
        val go = objects.event()
        val running = List(2) { pool.applyAsync(task(ready, go)) }
        repeat(2) { ready.get() }
        go.set()
        running.maxOf { it.await() }
    }
}

/** Once [go] is set (after saying it is [ready]), increments [counter] [count] times; returns the nanoseconds it took. */
@Serializable
class HammerCounter(val counter: SharedCounter, val count: Int, val ready: SharedQueue<Int>, val go: SharedEvent) : Task<Long> {
    override suspend fun run(): Long {
        ready.put(1)
        go.wait()
        val start = System.nanoTime()
        repeat(count) { counter.incrementAndGet() }
        return System.nanoTime() - start
    }
}

/** Once [go] is set (after saying it is [ready]), puts an item in [queue] and takes one, [count] times; returns the nanoseconds it took. */
@Serializable
class PutAndTake(val queue: SharedQueue<Int>, val count: Int, val ready: SharedQueue<Int>, val go: SharedEvent) : Task<Long> {
    override suspend fun run(): Long {
        ready.put(1)
        go.wait()
        val start = System.nanoTime()
        repeat(count) {
            queue.put(it)
            queue.get()
        }
        return System.nanoTime() - start
    }
}
