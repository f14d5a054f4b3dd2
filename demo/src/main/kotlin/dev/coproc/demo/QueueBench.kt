package dev.coproc.demo

import dev.coproc.Process
import dev.coproc.Queue
import dev.coproc.Task
import dev.coproc.WorkerOptions
import kotlinx.serialization.Serializable

/** Puts [count] Longs into [queue]. */
@Serializable
class QueueFiller(val queue: Queue<Long>, val count: Int) : Task<Unit> {
    override suspend fun run() {
        for (i in 0 until count) queue.put(i.toLong())
    }
}

/**
 * Answers each of [count] requests from [requests] by putting the time it took it (`System.nanoTime()`, the
 * machine's monotonic clock, the same in every process) on [replies].
 */
@Serializable
class QueueEcho(val requests: Queue<Long>, val replies: Queue<Long>, val count: Int) : Task<Unit> {
    override suspend fun run() {
        repeat(count) {
            requests.get()
            replies.put(System.nanoTime())
        }
    }
}

/**
 * `demo bench queue`: producer processes put small items (a Long) and this process gets them, 1 → 1 and
 * 2 → 1 (and 1 → 1 from a producer with the full JIT), against Python's `multiprocessing.Queue` in the same
 * run, timed from the first item taken to the last; then the one-way latency of an item through the ring.
 */
object QueueBench {
    private const val ITEMS = 2_000_000
    private const val PYTHON_ITEMS = 200_000
    private const val RUNS = 3
    private const val LATENCY_WARMUP = 20_000
    private const val LATENCY_SAMPLES = 100_000
    private const val PYTHON_LATENCY_WARMUP = 2_000
    private const val PYTHON_LATENCY_SAMPLES = 20_000

    suspend fun run() {
        println()
        println("Queue, small items, producers in child processes, this process gets; ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}; medians of $RUNS runs")
        val python = python()
        take(1, ITEMS / 10) // warm-up
        val one = BenchSupport.median(RUNS) { ITEMS / take(1, ITEMS) }
        val two = BenchSupport.median(RUNS) { ITEMS / take(2, ITEMS) }
        // A long-lived producer's pace: its JVM with the full JIT (workers start with the quick compiler only).
        val fullJit = WorkerOptions { fastStart(false) }
        take(1, ITEMS / 10, fullJit)
        val oneFullJit = BenchSupport.median(RUNS) { ITEMS / take(1, ITEMS, fullJit) }
        BenchSupport.header()
        BenchSupport.row("1 producer → 1 consumer, items/s", one, python?.get("one"), "%.0f")
        BenchSupport.row("2 producers → 1 consumer, items/s", two, python?.get("two"), "%.0f")
        BenchSupport.row("1 producer with the full JIT (fastStart(false)) → 1 consumer, items/s", oneFullJit, python?.get("one"), "%.0f")
        val latency = latency()
        BenchSupport.row("one-way latency of a Long, child → parent, p50, µs", latency.first, python?.get("p50"), "%.2f")
        BenchSupport.row("one-way latency of a Long, child → parent, p99, µs", latency.second, python?.get("p99"), "%.2f")
    }

    /**
     * Ping-pong through two queues with a child: the child puts the clock's time as it answers, and this
     * process reads the clock as the answer arrives. The monotonic clock is one for every process here, so the
     * difference is the time one small item takes through the shared-memory ring, wake-up included. Returns
     * p50 and p99 in microseconds, after [LATENCY_WARMUP] exchanges that do not count.
     */
    private suspend fun latency(): Pair<Double, Double> {
        val requests = Queue<Long>()
        val replies = Queue<Long>()
        try {
            val child = Process(QueueEcho(requests, replies, LATENCY_WARMUP + LATENCY_SAMPLES))
            child.start()
            return BenchSupport.withChildren(listOf(child)) {
                val micros = DoubleArray(LATENCY_SAMPLES)
                repeat(LATENCY_WARMUP + LATENCY_SAMPLES) { i ->
                    requests.put(i.toLong())
                    val sent = replies.get()
                    val took = (System.nanoTime() - sent) / 1e3
                    if (i >= LATENCY_WARMUP) micros[i - LATENCY_WARMUP] = took
                }
                child.join()
                micros.sort()
                micros[LATENCY_SAMPLES / 2] to micros[LATENCY_SAMPLES * 99 / 100]
            }
        } finally {
            requests.close()
            replies.close()
        }
    }

    /** Seconds from the first item to the last of [items] put by [producers] processes. */
    private suspend fun take(producers: Int, items: Int, options: WorkerOptions = WorkerOptions.DEFAULT): Double {
        val queue = Queue<Long>()
        try {
            val children = List(producers) { Process(QueueFiller(queue, items / producers), options = options).also { it.start() } }
            return BenchSupport.withChildren(children) {
                queue.get()
                val start = System.nanoTime()
                repeat(items - 1) { queue.get() }
                val seconds = (System.nanoTime() - start) / 1e9
                children.forEach { it.join() }
                seconds * items / (items - 1)
            }
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
        def echo(requests, replies, count):
            for _ in range(count):
                requests.get(); replies.put(time.monotonic_ns())
        def latency(warmup, samples):
            requests, replies = mp.Queue(), mp.Queue()
            p = mp.Process(target=echo, args=(requests, replies, warmup + samples)); p.start()
            micros = []
            for i in range(warmup + samples):
                requests.put(i); sent = replies.get(); took = (time.monotonic_ns() - sent) / 1e3
                if i >= warmup: micros.append(took)
            p.join(); micros.sort()
            return micros[samples // 2], micros[samples * 99 // 100]
        if __name__ == '__main__':
            p50, p99 = latency($PYTHON_LATENCY_WARMUP, $PYTHON_LATENCY_SAMPLES)
            print('p50', p50); print('p99', p99)
            take(1, $PYTHON_ITEMS // 10)
            one = sorted($PYTHON_ITEMS / take(1, $PYTHON_ITEMS) for _ in range($RUNS))[$RUNS // 2]
            two = sorted($PYTHON_ITEMS / take(2, $PYTHON_ITEMS) for _ in range($RUNS))[$RUNS // 2]
            print('one', one); print('two', two)
        """.trimIndent(),
    )
}
