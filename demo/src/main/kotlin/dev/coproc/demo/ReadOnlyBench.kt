package dev.coproc.demo

import dev.coproc.Event
import dev.coproc.Process
import dev.coproc.ReadOnlyLongArray
import dev.coproc.StandbyWorkers
import dev.coproc.Task
import java.nio.file.Files
import java.nio.file.Path
import kotlinx.serialization.Serializable

/** Reads one long of every page of [data] (so every page is mapped), says so, and waits for [release]. */
@Serializable
class TouchPages(val data: ReadOnlyLongArray, val ready: Event, val release: Event) : Task<Long> {
    override suspend fun run(): Long {
        val view = data.longs()
        var sum = 0L
        for (i in 0 until view.capacity() step 512) sum += view.get(i)
        ready.set()
        release.wait()
        return sum
    }
}

/**
 * `demo bench readonly`: 512 MiB handed to 2 workers that each read every page of it, new ones and standby
 * ones: the time from having the data to both having read it, and the machine's used memory then, against Python's fork (the data in a
 * global, pages shared copy-on-write) and spawn (the data pickled to each child) in the same run.
 */
object ReadOnlyBench {
    private const val LONGS = 64 * 1024 * 1024

    suspend fun run() {
        println()
        println("512 MiB of read-only data to 2 workers, ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}")
        // The first process of a JVM also starts the reaper and the poller: not part of handing data over.
        ReadOnlyLongArray(1) { 0 }.use { data -> Event().use { set -> set.set(); Process(TouchPages(data, set, set)).also { it.start() }.join() } }
        val (millis, mib) = handOver(standby = false)
        val (standbyMillis, standbyMib) = handOver(standby = true)
        val python = BenchSupport.python(
            "readonly-bench",
            """
            import multiprocessing as mp, array, time
            N = $LONGS
            DATA = None
            def used():
                info = dict((l.split(':')[0], int(l.split()[1]) * 1024) for l in open('/proc/meminfo'))
                return info['MemTotal'] - info['MemAvailable']
            def touch(data, ready, release):
                data = data if data is not None else DATA
                bytes(memoryview(data).cast('B')[::4096])
                ready.set(); release.wait()
            def measure(method, before):
                ctx = mp.get_context(method)
                ready = [ctx.Event(), ctx.Event()]; release = ctx.Event()
                start = time.perf_counter()
                ps = [ctx.Process(target=touch, args=(DATA if method == 'spawn' else None, r, release)) for r in ready]
                [p.start() for p in ps]; [r.wait() for r in ready]
                seconds = time.perf_counter() - start
                grown = used() - before
                release.set(); [p.join() for p in ps]
                return seconds, grown
            def settled():
                last = used()
                for _ in range(50):
                    time.sleep(0.1); now = used()
                    if abs(now - last) < 4 * 2**20: return now
                    last = now
                return last
            if __name__ == '__main__':
                before = settled()
                DATA = array.array('q', range(N))
                for method in ('fork', 'spawn'):
                    seconds, grown = measure(method, before)
                    print(method + '_ms', seconds * 1000)
                    print(method + '_mib', grown / 2**20)
            """.trimIndent(),
        )
        BenchSupport.header()
        BenchSupport.row("2 new workers have read every page, ms (python fork)", millis, python?.get("fork_ms"), "%.0f")
        BenchSupport.row("2 standby workers have read every page, ms (python fork)", standbyMillis, python?.get("fork_ms"), "%.0f")
        BenchSupport.row("2 new workers have read every page, ms (python spawn: pickled)", millis, python?.get("spawn_ms"), "%.0f")
        BenchSupport.row("used memory then, MiB, new workers (python fork)", mib, python?.get("fork_mib"), "%.0f")
        BenchSupport.row("used memory then, MiB, standby workers (python fork)", standbyMib, python?.get("fork_mib"), "%.0f")
        BenchSupport.row("used memory then, MiB, new workers (python spawn: pickled)", mib, python?.get("spawn_mib"), "%.0f")
    }

    /**
     * The time from having the data to 2 workers having read every page, and the used memory then; with
     * [standby], the workers were started ahead (their memory counted: the baseline is read before they start).
     */
    private suspend fun handOver(standby: Boolean): Pair<Double, Double> {
        val before = settledUsedMemory()
        val set = if (standby) StandbyWorkers.start(2).also { check(it.awaitReady()) } else null
        try {
            return ReadOnlyLongArray(LONGS) { it.toLong() }.use { data ->
                Event().use { release ->
                    val ready = List(2) { Event() }
                    val start = System.nanoTime()
                    val readers = ready.map { Process(TouchPages(data, it, release)).also { p -> p.start() } }
                    ready.forEach { it.wait() }
                    val millis = (System.nanoTime() - start) / 1e6
                    val mib = (usedMemoryBytes() - before) / 1048576.0
                    release.set()
                    readers.forEach { it.join() }
                    ready.forEach { it.close() }
                    millis to mib
                }
            }
        } finally {
            set?.close()
        }
    }

    /**
     * Used memory once it stops moving: memory another program just gave back is counted as available a
     * moment later, and a baseline read meanwhile would hide part of what is measured after it.
     */
    private fun settledUsedMemory(): Long {
        var last = usedMemoryBytes()
        repeat(50) {
            Thread.sleep(100)
            val now = usedMemoryBytes()
            if (kotlin.math.abs(now - last) < (4L shl 20)) return now
            last = now
        }
        return last
    }

    private fun usedMemoryBytes(): Long {
        val info = Files.readAllLines(Path.of("/proc/meminfo")).associate { line ->
            line.substringBefore(':') to line.substringAfter(':').trim().substringBefore(' ').toLong() * 1024
        }
        return info.getValue("MemTotal") - info.getValue("MemAvailable")
    }
}
