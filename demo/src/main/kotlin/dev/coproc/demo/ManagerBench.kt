package dev.coproc.demo

import dev.coproc.Process
import dev.coproc.ManagedDict
import dev.coproc.Task
import dev.coproc.WorkerOptions
import dev.coproc.manager
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.serialization.Serializable

/**
 * In a child: [warmUp] set+get pairs unmeasured, then [pairs] measured, by each of [coroutines] coroutines
 * (their calls are in flight together on the process's one connection). Returns operations per second.
 */
@Serializable
class DictHammer(val dict: ManagedDict<String, Int>, val warmUp: Int, val pairs: Int, val coroutines: Int = 1) : Task<Double> {
    override suspend fun run(): Double {
        hammer(warmUp)
        val start = System.nanoTime()
        hammer(pairs)
        return 2.0 * pairs * coroutines / ((System.nanoTime() - start) / 1e9)
    }

    private suspend fun hammer(count: Int) = coroutineScope {
        (0 until coroutines).map { c ->
            async {
                for (i in 0 until count) {
                    val key = "k$c-${i % 100}"
                    dict[key] = i
                    check(dict.get(key) == i)
                }
            }
        }.awaitAll()
    }
}

/** In a child: [rounds] times, writes 100 entries in one call and reads the whole dict back in one. Entries per second. */
@Serializable
class DictBatches(val dict: ManagedDict<String, Int>, val rounds: Int) : Task<Double> {
    override suspend fun run(): Double {
        val batch = (0 until 100).associate { "b$it" to it }
        repeat(rounds / 10) { dict.putAll(batch); dict.items() } // warm-up
        val start = System.nanoTime()
        repeat(rounds) {
            dict.putAll(batch)
            check(dict.items().size >= 100)
        }
        return 2.0 * 100 * rounds / ((System.nanoTime() - start) / 1e9)
    }
}

/**
 * `demo bench manager`: dict operations per second from a child process through a proxy, against Python's
 * `Manager().dict()` in the same run: a fresh child (its JIT still cold), a warmed-up child, calls in flight
 * together from 16 coroutines (Python: 16 threads), a child with the full JIT (a long-lived worker's choice),
 * and batches of 100 entries.
 */
object ManagerBench {
    private const val PAIRS = 20_000
    private const val PYTHON_PAIRS = 10_000
    private const val CONCURRENT = 16
    private const val BATCHES = 500
    private const val RUNS = 3

    suspend fun run() {
        println()
        println("Manager dict from a child process, ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}; medians of $RUNS runs")
        val python = BenchSupport.python(
            "manager-bench",
            """
            import multiprocessing as mp, threading, time
            def pairs(d, n, prefix):
                for i in range(n):
                    k = '%s%d' % (prefix, i % 100)
                    d[k] = i
                    assert d[k] == i
            def hammer(d, warm, n, threads, out):
                pairs(d, warm, 'w')
                t = time.perf_counter()
                if threads == 1:
                    pairs(d, n, 'k')
                else:
                    ts = [threading.Thread(target=pairs, args=(d, n, 'k%d-' % c)) for c in range(threads)]
                    [x.start() for x in ts]; [x.join() for x in ts]
                out.put(2 * n * threads / (time.perf_counter() - t))
            def batches(d, rounds, out):
                batch = {'b%d' % i: i for i in range(100)}
                t = time.perf_counter()
                for _ in range(rounds):
                    d.update(batch); assert len(d.copy()) >= 100
                out.put(2 * 100 * rounds / (time.perf_counter() - t))
            def median(d, out, target, args):
                rates = []
                for _ in range($RUNS):
                    p = mp.Process(target=target, args=(d,) + args + (out,)); p.start()
                    rates.append(out.get()); p.join()
                return sorted(rates)[$RUNS // 2]
            if __name__ == '__main__':
                with mp.Manager() as m:
                    d = m.dict(); out = mp.Queue()
                    print('cold', median(d, out, hammer, (0, $PYTHON_PAIRS, 1)))
                    print('warm', median(d, out, hammer, ($PYTHON_PAIRS, $PYTHON_PAIRS, 1)))
                    print('concurrent', median(d, out, hammer, (0, $PYTHON_PAIRS // $CONCURRENT, $CONCURRENT)))
                    print('batches', median(m.dict(), out, batches, ($BATCHES,)))
            """.trimIndent(),
        )
        val rows = manager {
            val dict = dict<String, Int>()
            suspend fun inChild(task: Task<Double>, options: WorkerOptions = WorkerOptions.DEFAULT) = BenchSupport.median(RUNS) {
                val child = Process(task, options = options).also { it.start() }
                child.await().also { child.join() }
            }
            Process(DictHammer(dict, 0, PAIRS)).also { it.start() }.await() // warms the manager up
            listOf(
                inChild(DictHammer(dict, 0, PAIRS)),
                inChild(DictHammer(dict, PAIRS, PAIRS)),
                inChild(DictHammer(dict, PAIRS / CONCURRENT, PAIRS / CONCURRENT, CONCURRENT)),
                inChild(DictBatches(dict(), BATCHES)),
                inChild(DictHammer(dict, 2 * PAIRS, PAIRS), WorkerOptions { fastStart(false) }),
            )
        }
        BenchSupport.header()
        BenchSupport.row("dict set + get, fresh child (first $PAIRS pairs, JIT cold), operations/s", rows[0], python?.get("cold"), "%.0f")
        BenchSupport.row("dict set + get, child after $PAIRS pairs of warm-up, operations/s", rows[1], python?.get("warm"), "%.0f")
        BenchSupport.row("dict set + get from $CONCURRENT coroutines at once (python: threads), operations/s", rows[2], python?.get("concurrent"), "%.0f")
        BenchSupport.row("dict set + get, child with the full JIT (fastStart(false)) after warm-up, operations/s", rows[4], python?.get("warm"), "%.0f")
        BenchSupport.row("putAll of 100 entries + items(), entries/s", rows[3], python?.get("batches"), "%.0f")
    }
}
