package dev.coproc.demo

import dev.coproc.Process
import dev.coproc.SharedDict
import dev.coproc.Task
import dev.coproc.manager
import kotlinx.serialization.Serializable

/** Sets then gets [count] keys of [dict]; returns the seconds it took. */
@Serializable
class DictHammer(val dict: SharedDict<String, Int>, val count: Int) : Task<Double> {
    override suspend fun run(): Double {
        val start = System.nanoTime()
        for (i in 0 until count) {
            dict["k${i % 100}"] = i
            check(dict.get("k${i % 100}") == i)
        }
        return (System.nanoTime() - start) / 1e9
    }
}

/**
 * `demo bench manager`: dict set+get operations per second from a child process through a proxy, against
 * Python's `Manager().dict()` in the same run.
 */
object ManagerBench {
    private const val PAIRS = 20_000
    private const val PYTHON_PAIRS = 10_000
    private const val RUNS = 3

    suspend fun run() {
        println()
        println("Manager dict, set + get from a child process, ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}; medians of $RUNS runs")
        val python = BenchSupport.python(
            "manager-bench",
            """
            import multiprocessing as mp, time
            def hammer(d, n, out):
                t = time.perf_counter()
                for i in range(n):
                    d['k%d' % (i % 100)] = i
                    assert d['k%d' % (i % 100)] == i
                out.put(time.perf_counter() - t)
            if __name__ == '__main__':
                with mp.Manager() as m:
                    d = m.dict(); out = mp.Queue()
                    rates = []
                    for _ in range($RUNS):
                        p = mp.Process(target=hammer, args=(d, $PYTHON_PAIRS, out)); p.start()
                        rates.append(2 * $PYTHON_PAIRS / out.get()); p.join()
                    print('ops', sorted(rates)[$RUNS // 2])
            """.trimIndent(),
        )
        val ours = manager {
            val dict = dict<String, Int>()
            Process(DictHammer(dict, PAIRS / 10)).also { it.start() }.await() // warm-up
            BenchSupport.median(RUNS) {
                val child = Process(DictHammer(dict, PAIRS)).also { it.start() }
                val seconds = child.await()
                child.join()
                2 * PAIRS / seconds
            }
        }
        BenchSupport.header()
        BenchSupport.row("dict set + get through a proxy, from a child process, operations/s", ours, python?.get("ops"), "%.0f")
    }
}
