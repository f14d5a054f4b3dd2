package dev.coproc.demo

import dev.coproc.Task
import dev.coproc.TaskFunction
import dev.coproc.processPool
import kotlinx.serialization.Serializable

@Serializable
class Identity(val x: Int) : Task<Int> {
    override suspend fun run(): Int = x
}

@Serializable
object Increment : TaskFunction<Int, Int> {
    override suspend fun run(item: Int): Int = item + 1
}

/** CPU-bound work: a sum of squares over [item] million iterations. */
@Serializable
object Burn : TaskFunction<Int, Long> {
    override suspend fun run(item: Int): Long = burn(item)

    fun burn(millions: Int): Long {
        var sum = 0L
        for (i in 0 until millions * 1_000_000) sum += (i.toLong() * i) xor (sum ushr 3)
        return sum
    }
}

/**
 * `demo bench pool`: a warm pool's apply round trip, a map of a trivial function over 1,000,000 ints, an imap
 * of it with chunk size 1, and the speed-up of 2 workers over 1 on CPU-bound work, beside Python's multiprocessing.Pool doing the same.
 */
object PoolBench {
    /** Enough calls for the JIT to compile the whole round trip on both sides: a warm pool is a compiled one. */
    private const val LATENCY_WARMUP = 20_000
    private const val LATENCY_RUNS = 10_000
    private const val MAP_ITEMS = 1_000_000
    /** Maps timed on each side; the median is reported, since one run on a 2-core VM swings by 2x. */
    private const val MAP_RUNS = 5
    private const val CPU_RUNS = 3
    /** Python streams about 20k of these a second: one second of its time per run. */
    private const val IMAP_ITEMS = 20_000
    /** imaps Python runs first, untimed: an interpreter is warm after one. */
    private const val IMAP_WARMUP = 5
    /**
     * imaps coproc runs first, untimed: what the JIT compiles the streaming path from. It settles after about
     * 300k items (a probe's rounds of 100k: the first two ran at 0.3-0.8x the later ones), as a service's pool
     * does in its first seconds.
     */
    private const val IMAP_JIT_WARMUP = 15
    private const val IMAP_RUNS = 5

    suspend fun run() {
        println()
        println("Pool, 2 workers, ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}")
        val python = python()
        val latencies = processPool(workers = 2) {
            repeat(LATENCY_WARMUP) { apply(Identity(it)) }
            List(LATENCY_RUNS) {
                val start = System.nanoTime()
                apply(Identity(it))
                (System.nanoTime() - start) / 1e3
            }.sorted()
        }
        val mapSeconds = processPool(workers = 2) {
            map(0 until 1_000, Increment) // warm-up
            repeat(2) { map(0 until MAP_ITEMS, Increment) }
            BenchSupport.median(MAP_RUNS) {
                BenchSupport.timed {
                    val results = map(0 until MAP_ITEMS, Increment)
                    check(results.size == MAP_ITEMS && results.last() == MAP_ITEMS)
                }
            }
        }
        // imap with chunk size 1: one task per item, results in order as they come, the case where round trips show.
        val imapSeconds = processPool(workers = 2) {
            repeat(IMAP_JIT_WARMUP) { imap(0 until IMAP_ITEMS, Increment, chunkSize = 1).collect { } }
            BenchSupport.median(IMAP_RUNS) {
                BenchSupport.timed {
                    var last = -1
                    imap(0 until IMAP_ITEMS, Increment, chunkSize = 1).collect { last = it }
                    check(last == IMAP_ITEMS)
                }
            }
        }
        val work = List(8) { 150 }
        val serial = processPool(workers = 1) { map(listOf(50), Burn); BenchSupport.median(CPU_RUNS) { BenchSupport.timed { map(work, Burn, chunkSize = 1) } } }
        val parallel = processPool(workers = 2) {
            map(listOf(50, 50), Burn, chunkSize = 1)
            BenchSupport.median(CPU_RUNS) { BenchSupport.timed { map(work, Burn, chunkSize = 1) } }
        }
        // The machine's own ceiling, in the same run: the same work on 2 threads of this JVM.
        val threadsSerial = BenchSupport.median(CPU_RUNS) { BenchSupport.timed { work.forEach { Burn.burn(it) } } }
        val threadsParallel = BenchSupport.median(CPU_RUNS) {
            BenchSupport.timed { work.chunked(work.size / 2).map { half -> Thread { half.forEach { Burn.burn(it) } }.apply { start() } }.forEach { it.join() } }
        }

        val p50 = latencies[latencies.size / 2]
        val p99 = latencies[(latencies.size * 99) / 100]
        val rate = MAP_ITEMS / mapSeconds
        BenchSupport.header()
        BenchSupport.row("apply round trip p50 (µs)", p50, python?.get("p50"), "%.0f")
        BenchSupport.row("apply round trip p99 (µs)", p99, python?.get("p99"), "%.0f")
        BenchSupport.row("map of +1 over 1M ints, median of $MAP_RUNS (items/s)", rate, python?.get("map_rate"), "%.0f")
        BenchSupport.row("imap of +1, chunk size 1, ${IMAP_ITEMS / 1000}k items, median of $IMAP_RUNS after $IMAP_JIT_WARMUP untimed (Python: $IMAP_WARMUP) (items/s)", IMAP_ITEMS / imapSeconds, python?.get("imap_rate"), "%.0f")
        BenchSupport.row("CPU-bound: 2 workers over 1, medians of $CPU_RUNS (speed-up)", serial / parallel, python?.get("speedup"), "%.2f")
        BenchSupport.row("CPU-bound: 2 threads over 1 in one JVM, medians of $CPU_RUNS (the machine's ceiling)", threadsSerial / threadsParallel, null, "%.2f")
    }

    private fun python(): Map<String, Double>? = BenchSupport.python(
        "pool-bench",
        """
            import multiprocessing as mp, time
            def identity(x):
                return x
            def increment(x):
                return x + 1
            def burn(millions):
                s = 0
                for i in range(millions * 1000000 // 50):
                    # Masked to 64 bits as the Kotlin Long wraps: an unbounded int would grow every step.
                    s = (s + ((i * i) ^ (s >> 3))) & 0xFFFFFFFFFFFFFFFF
                return s
            def timed(f):
                t = time.perf_counter(); f(); return time.perf_counter() - t
            if __name__ == '__main__':
                with mp.Pool(2) as pool:
                    for i in range($LATENCY_WARMUP):
                        pool.apply(identity, (i,))
                    lat = []
                    for i in range($LATENCY_RUNS):
                        t = time.perf_counter(); pool.apply(identity, (i,)); lat.append((time.perf_counter() - t) * 1e6)
                    lat.sort()
                    pool.map(increment, range(1000))
                    for _ in range(2):
                        pool.map(increment, range($MAP_ITEMS))
                    m = sorted(timed(lambda: pool.map(increment, range($MAP_ITEMS))) for _ in range($MAP_RUNS))[$MAP_RUNS // 2]
                    for _ in range($IMAP_WARMUP):
                        for _ in pool.imap(increment, range($IMAP_ITEMS), chunksize=1): pass
                    def drain():
                        last = -1
                        for last in pool.imap(increment, range($IMAP_ITEMS), chunksize=1): pass
                        assert last == $IMAP_ITEMS
                    im = sorted(timed(drain) for _ in range($IMAP_RUNS))[$IMAP_RUNS // 2]
                    work = [150] * 8
                    par = sorted(timed(lambda: pool.map(burn, work, chunksize=1)) for _ in range($CPU_RUNS))[$CPU_RUNS // 2]
                with mp.Pool(1) as pool:
                    ser = sorted(timed(lambda: pool.map(burn, work, chunksize=1)) for _ in range($CPU_RUNS))[$CPU_RUNS // 2]
                print('p50', lat[len(lat) // 2]); print('p99', lat[len(lat) * 99 // 100])
                print('map_rate', $MAP_ITEMS / m); print('speedup', ser / par); print('imap_rate', $IMAP_ITEMS / im)
            """.trimIndent(),
    )
}
