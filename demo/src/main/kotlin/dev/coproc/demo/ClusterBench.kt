package dev.coproc.demo

import dev.coproc.Pool
import dev.coproc.cluster.ClusterNode
import dev.coproc.cluster.ClusterSettings
import dev.coproc.cluster.clusterPool
import dev.coproc.processPool

/**
 * `demo bench cluster`: what a task pays for going through the cluster engine, against the local pool in the
 * same run: the round trip of one small `apply` (p50, µs) and the per-task cost of a map of a trivial function
 * sent one item per task. The cluster is two Ignite server nodes in this JVM, so the figures are Ignite's job
 * machinery and loopback TCP, not a network; on 2 cores no speed-up is expected from either.
 */
object ClusterBench {
    private const val CALLS = 3_000
    private const val TASKS = 3_000

    suspend fun run() {
        println()
        println("Cluster engine against the local pool, ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}")
        val local = processPool(workers = 2) { measure(this) }
        val cluster = ClusterNode.startServer(ClusterSettings.DEFAULT).use { first ->
            ClusterNode.startServer(ClusterSettings.DEFAULT).use { _ ->
                clusterPool(first, parallelism = 2) { measure(this) }
            }
        }
        println()
        println("| measure | cluster pool (2 nodes) | local pool (2 workers) | cluster / local |")
        println("|---|---:|---:|---:|")
        println("| apply round trip p50, µs | %.0f | %.0f | %.1f |".format(cluster.first, local.first, cluster.first / local.first))
        println("| map, one item per task: µs per task | %.1f | %.1f | %.1f |".format(cluster.second, local.second, cluster.second / local.second))
    }

    /** The p50 of [CALLS] sequential applies (after as many to warm up), and µs per task of a chunk-1 map. */
    private suspend fun measure(pool: Pool): Pair<Double, Double> {
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
        return latencies[CALLS / 2] to perTask
    }
}
