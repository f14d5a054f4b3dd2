package dev.coproc.demo

import dev.coproc.Event
import dev.coproc.Lock
import dev.coproc.Process
import dev.coproc.SharedInt
import dev.coproc.SharedLong
import dev.coproc.Task
import dev.coproc.withLock
import kotlinx.coroutines.yield
import kotlinx.serialization.Serializable

/** Says it is ready, waits for [go], then adds 1 to [counter] [count] times; returns its start and end (nanoTime). */
@Serializable
class CounterHammer(val counter: SharedLong, val count: Int, val ready: SharedInt, val go: Event) : Task<List<Long>> {
    override suspend fun run(): List<Long> {
        ready.incrementAndGet()
        go.wait()
        val start = System.nanoTime()
        repeat(count) { counter.incrementAndGet() }
        return listOf(start, System.nanoTime())
    }
}

/** Says it is ready, waits for [go], then acquires and releases [lock] [count] times; returns its start and end. */
@Serializable
class LockHammer(val lock: Lock, val count: Int, val ready: SharedInt, val go: Event) : Task<List<Long>> {
    override suspend fun run(): List<Long> {
        ready.incrementAndGet()
        go.wait()
        val start = System.nanoTime()
        repeat(count) { lock.withLock { } }
        return listOf(start, System.nanoTime())
    }
}

/**
 * `demo bench sync`: a shared counter incremented by two processes at once, and lock acquire/release pairs,
 * alone and with two processes contending, against Python's `Value` (incremented under its lock) and `Lock`
 * in the same run. Both clocks are CLOCK_MONOTONIC, so each side's rate is its total operations over the
 * span from the first process's start to the last one's end.
 */
object SyncBench {
    private const val COUNTER_OPS = 20_000_000
    private const val LOCK_OPS = 20_000_000
    private const val PYTHON_OPS = 1_000_000
    private const val RUNS = 3

    suspend fun run() {
        println()
        println("Shared counter and lock, ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}; medians of $RUNS runs")
        val python = python()
        twoProcesses(COUNTER_OPS / 10, ::CounterHammerOf) // warm-up
        val counter = BenchSupport.median(RUNS) { twoProcesses(COUNTER_OPS, ::CounterHammerOf) }
        val alone = BenchSupport.median(RUNS) { lockAlone(LOCK_OPS) }
        val contended = BenchSupport.median(RUNS) { twoProcesses(LOCK_OPS / 2, ::LockHammerOf) }
        BenchSupport.header()
        BenchSupport.row("shared counter, 2 processes incrementing atomically, increments/s (python: under Value's lock)", counter, python?.get("counter"), "%.0f")
        BenchSupport.row("lock acquire+release, uncontended, pairs/s", alone, python?.get("alone"), "%.0f")
        BenchSupport.row("lock acquire+release, 2 processes contending, pairs/s", contended, python?.get("contended"), "%.0f")
    }

    private class Shared(val counter: SharedLong, val lock: Lock, val ready: SharedInt, val go: Event) : AutoCloseable {
        override fun close() = listOf(counter, lock, ready, go).forEach { it.close() }
    }

    @Suppress("FunctionName")
    private fun CounterHammerOf(shared: Shared, count: Int): Task<List<Long>> = CounterHammer(shared.counter, count, shared.ready, shared.go)

    @Suppress("FunctionName")
    private fun LockHammerOf(shared: Shared, count: Int): Task<List<Long>> = LockHammer(shared.lock, count, shared.ready, shared.go)

    /** Operations per second of two processes each running [hammer] with [each] operations. */
    private suspend fun twoProcesses(each: Int, hammer: (Shared, Int) -> Task<List<Long>>): Double {
        Shared(SharedLong(), Lock(), SharedInt(), Event()).use { shared ->
            val children = List(2) { Process(hammer(shared, each)).also { it.start() } }
            while (shared.ready.value < 2) yield()
            shared.go.set()
            val spans = children.map { it.await().also { _ -> it.join() } }
            if (hammer(shared, 0) is CounterHammer) check(shared.counter.value == 2L * each) { "lost increments: ${shared.counter.value}" }
            val seconds = (spans.maxOf { it[1] } - spans.minOf { it[0] }) / 1e9
            return 2 * each / seconds
        }
    }

    private suspend fun lockAlone(count: Int): Double = Lock().use { lock ->
        val start = System.nanoTime()
        repeat(count) { lock.withLock { } }
        count / ((System.nanoTime() - start) / 1e9)
    }

    private fun python(): Map<String, Double>? = BenchSupport.python(
        "sync-bench",
        """
        import multiprocessing as mp, time
        def counter_hammer(v, n, ready, go, out):
            ready.release(); go.wait()
            t = time.monotonic_ns()
            for _ in range(n):
                with v.get_lock():
                    v.value += 1
            out.put((t, time.monotonic_ns()))
        def lock_hammer(lock, n, ready, go, out):
            ready.release(); go.wait()
            t = time.monotonic_ns()
            for _ in range(n):
                with lock:
                    pass
            out.put((t, time.monotonic_ns()))
        def two(target, shared, n):
            ready, go, out = mp.Semaphore(0), mp.Event(), mp.Queue()
            ps = [mp.Process(target=target, args=(shared, n, ready, go, out)) for _ in range(2)]
            for p in ps: p.start()
            ready.acquire(); ready.acquire(); go.set()
            spans = [out.get(), out.get()]
            for p in ps: p.join()
            return 2 * n / ((max(s[1] for s in spans) - min(s[0] for s in spans)) / 1e9)
        def alone(n):
            lock = mp.Lock()
            t = time.perf_counter()
            for _ in range(n):
                with lock:
                    pass
            return n / (time.perf_counter() - t)
        if __name__ == '__main__':
            n = $PYTHON_OPS
            def counter():
                v = mp.Value('q', 0)
                rate = two(counter_hammer, v, n // 2)
                assert v.value == n
                return rate
            med = lambda f: sorted(f() for _ in range($RUNS))[$RUNS // 2]
            print('counter', med(counter))
            print('alone', med(lambda: alone(n)))
            print('contended', med(lambda: two(lock_hammer, mp.Lock(), n // 2)))
        """.trimIndent(),
    )
}
