package dev.coproc.demo

import dev.coproc.Process
import dev.coproc.Queue
import dev.coproc.Task
import kotlinx.serialization.Serializable

/** Puts [count] Longs into [queue]. */
@Serializable
class QueueFiller(val queue: Queue<Long>, val count: Int) : Task<Unit> {
    override suspend fun run() {
        for (i in 0 until count) queue.put(i.toLong())
    }
}

/**
 * `demo bench queue`: producer processes put small items (a Long) and this process gets them, 1 → 1 and
 * 2 → 1, against Python's `multiprocessing.Queue` in the same run. Timed from the first item taken to the last.
 */
object QueueBench {
    private const val ITEMS = 2_000_000
    private const val PYTHON_ITEMS = 200_000
    private const val RUNS = 3

    suspend fun run() {
        println()
        println("Queue, small items, producers in child processes, this process gets; ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}; medians of $RUNS runs")
        val python = python()
        take(1, ITEMS / 10) // warm-up
        val one = BenchSupport.median(RUNS) { ITEMS / take(1, ITEMS) }
        val two = BenchSupport.median(RUNS) { ITEMS / take(2, ITEMS) }
        BenchSupport.header()
        BenchSupport.row("1 producer → 1 consumer, items/s", one, python?.get("one"), "%.0f")
        BenchSupport.row("2 producers → 1 consumer, items/s", two, python?.get("two"), "%.0f")
    }

    /** Seconds from the first item to the last of [items] put by [producers] processes. */
    private suspend fun take(producers: Int, items: Int): Double {
        val queue = Queue<Long>()
        try {
            val children = List(producers) { Process(QueueFiller(queue, items / producers)).also { it.start() } }
            queue.get()
            val start = System.nanoTime()
            repeat(items - 1) { queue.get() }
            val seconds = (System.nanoTime() - start) / 1e9
            children.forEach { it.join() }
            return seconds * items / (items - 1)
        } finally {
            queue.close()
        }
    }

    private fun python(): Map<String, Double>? = BenchSupport.python(
        "queue-bench",
        """
        import multiprocessing as mp, time
        def filler(q, count):
            for i in range(count): q.put(i)
        def take(producers, items):
            q = mp.Queue()
            ps = [mp.Process(target=filler, args=(q, items // producers)) for _ in range(producers)]
            for p in ps: p.start()
            q.get(); t = time.perf_counter()
            for _ in range(items - 1): q.get()
            s = time.perf_counter() - t
            for p in ps: p.join()
            return s * items / (items - 1)
        if __name__ == '__main__':
            take(1, $PYTHON_ITEMS // 10)
            one = sorted($PYTHON_ITEMS / take(1, $PYTHON_ITEMS) for _ in range($RUNS))[$RUNS // 2]
            two = sorted($PYTHON_ITEMS / take(2, $PYTHON_ITEMS) for _ in range($RUNS))[$RUNS // 2]
            print('one', one); print('two', two)
        """.trimIndent(),
    )
}
