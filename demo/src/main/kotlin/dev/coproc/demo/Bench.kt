package dev.coproc.demo

import dev.coproc.PoolOptions
import dev.coproc.Process
import dev.coproc.ProcessPool
import dev.coproc.StandbyWorkers
import dev.coproc.Task
import dev.coproc.WorkerOptions
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.Serializable

@Serializable
class Noop : Task<Unit> {
    override suspend fun run() {}
}

/**
 * `demo bench`: cold start+join of a no-op task in a new process, median and p90 over [RUNS] runs, for
 * several worker JVM flag sets, against baselines measured in the same run: a bare `java` start through
 * ProcessBuilder (the JVM's own floor) and Python's multiprocessing (spawn and fork) when python3 is here.
 */
object Bench {
    private const val RUNS = 30
    private const val WARMUP = 3

    private class Row(val name: String, val millis: List<Double>) {
        val median = percentile(0.5)
        val p90 = percentile(0.9)

        private fun percentile(q: Double): Double {
            val sorted = millis.sorted()
            return sorted[((sorted.size - 1) * q).toInt()]
        }
    }

    fun main(args: List<String>) = runBlocking {
        val sections = args.filter { it.toIntOrNull() == null }.ifEmpty { listOf("process", "pool", "java", "pipe", "queue", "sync", "command", "manager", "readonly", "cluster") }
        if ("process" in sections) processStart(args.firstNotNullOfOrNull { it.toIntOrNull() } ?: RUNS)
        if ("pool" in sections) PoolBench.run()
        if ("java" in sections) JavaBench.run()
        if ("pipe" in sections) PipeBench.run()
        if ("queue" in sections) QueueBench.run()
        if ("sync" in sections) SyncBench.run()
        if ("command" in sections) CommandBench.run()
        if ("manager" in sections) ManagerBench.run()
        if ("readonly" in sections) ReadOnlyBench.run()
        if ("cluster" in sections) ClusterBench.run()
    }

    private suspend fun processStart(runs: Int) {
        val work = Files.createTempDirectory("coproc-bench")
        try {
            println("Process start+join of a no-op task: $runs runs after $WARMUP warm-up runs, ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}")
            val rows = mutableListOf<Row>()
            rows += Row("baseline: bare `java` start+exit (ProcessBuilder)", bareJvm(work, runs))
            python(work, "spawn", runs)?.let { rows += Row("baseline: python3 multiprocessing, spawn", it) }
            python(work, "fork", runs)?.let { rows += Row("baseline: python3 multiprocessing, fork", it) }

            val plain = WorkerOptions { fastStart(false); classDataSharing(false) }
            rows += Row("coproc, plain JVM flags", coproc(plain, runs))
            for (flag in listOf("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData")) {
                rows += Row("coproc, plain + $flag", coproc(plain.toBuilder().jvmArgs(flag).build(), runs))
            }
            rows += Row("coproc, fast-start flags, no AppCDS", coproc(WorkerOptions { classDataSharing(false) }, runs))
            // The first (warm-up) run records the AppCDS archive; the measured ones map it.
            val cache = work.resolve("cache")
            rows += Row("coproc, default: fast-start flags + AppCDS", coproc(WorkerOptions { cacheDirectory(cache) }, runs))
            if (!Files.list(cache.resolve("cds")).use { files -> files.anyMatch { it.toString().endsWith(".jsa") } }) {
                println("(no AppCDS archive was recorded: the classpath has directories; run the demo from jars)")
            }
            // A standby worker is started ahead; each measured start takes one that is ready (refilled between runs).
            val ahead = WorkerOptions { cacheDirectory(cache) }
            StandbyWorkers.start(1, ahead).use { standby ->
                rows += Row("coproc, a standby worker taken (started ahead)", measure(runs, before = { check(standby.awaitReady()) }) {
                    val p = Process(Noop(), options = ahead)
                    p.start()
                    p.join()
                    check(p.exitCode == 0) { "no-op worker ended with ${p.exitStatus}" }
                })
            }

            // A pool of 2 from creation to its first task's result: cold, then from 2 standby workers.
            val poolOptions = PoolOptions.builder().workers(2).workerOptions(PoolOptions.DEFAULT_WORKER_OPTIONS.toBuilder().cacheDirectory(cache).build()).build()
            python(work, "spawn", runs / 2 + 1, pool = true)?.let { rows += Row("python3 Pool(2): created, first apply done, spawn", it) }
            python(work, "fork", runs / 2 + 1, pool = true)?.let { rows += Row("python3 Pool(2): created, first apply done, fork", it) }
            rows += Row("pool of 2: created, first task done, cold", poolFirstTask(poolOptions, runs / 2 + 1) {})
            StandbyWorkers.start(2, poolOptions.workerOptions).use { standby ->
                rows += Row("pool of 2: created, first task done, 2 standby workers", poolFirstTask(poolOptions, runs / 2 + 1) { check(standby.awaitReady()) })
            }

            val base = rows.first()
            val python = rows.firstOrNull { it.name.contains("spawn") }
            println()
            println("| configuration | median ms | p90 ms | median / bare java |" + (if (python != null) " median / python spawn |" else ""))
            println("|---|---:|---:|---:|" + (if (python != null) "---:|" else ""))
            for (row in rows) {
                val vsPython = python?.let { " %.2f |".format(row.median / it.median) } ?: ""
                println("| ${row.name} | %.1f | %.1f | %.2f |%s".format(row.median, row.p90, row.median / base.median, vsPython))
            }
        } finally {
            work.toFile().deleteRecursively()
        }
    }

    private suspend fun poolFirstTask(options: PoolOptions, runs: Int, before: suspend () -> Unit): List<Double> = List(runs + 1) {
        before()
        val start = System.nanoTime()
        val pool = ProcessPool.create(options)
        try {
            pool.apply(Noop())
            (System.nanoTime() - start) / 1e6
        } finally {
            pool.close()
        }
    }.drop(1)

    private suspend fun coproc(options: WorkerOptions, runs: Int): List<Double> = measure(runs) {
        val p = Process(Noop(), options = options)
        p.start()
        p.join()
        check(p.exitCode == 0) { "no-op worker ended with ${p.exitStatus}" }
    }

    private suspend fun measure(runs: Int, before: suspend () -> Unit = {}, body: suspend () -> Unit): List<Double> {
        repeat(WARMUP) { before(); body() }
        return List(runs) {
            before()
            val start = System.nanoTime()
            body()
            (System.nanoTime() - start) / 1e6
        }
    }

    private suspend fun bareJvm(work: Path, runs: Int): List<Double> {
        val source = work.resolve("Bare.java")
        Files.writeString(source, "public class Bare { public static void main(String[] a) {} }")
        val java = Path.of(System.getProperty("java.home"), "bin", "java").toString()
        val javac = Path.of(System.getProperty("java.home"), "bin", "javac")
        val compiled = Files.exists(javac) &&
            ProcessBuilder(javac.toString(), "-d", work.toString(), source.toString()).inheritIO().start().waitFor() == 0
        val argv = if (compiled) listOf(java, "-cp", work.toString(), "Bare") else listOf(java, "-version")
        return measure(runs) {
            val child = ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
            check(child.waitFor(60, TimeUnit.SECONDS)) { "bare java did not exit" }
        }
    }

    /** Python's figures: a Process start+join, or ([pool]) a Pool(2) from creation to its first apply's result. */
    private fun python(work: Path, method: String, runs: Int, pool: Boolean = false): List<Double>? {
        val script = work.resolve("mp_bench.py")
        Files.writeString(
            script,
            """
            import multiprocessing as mp, sys, time
            def noop():
                pass
            if __name__ == '__main__':
                ctx = mp.get_context(sys.argv[1])
                runs = int(sys.argv[2])
                times = []
                for i in range(runs + $WARMUP):
                    t = time.perf_counter()
                    if sys.argv[3] == 'pool':
                        pool = ctx.Pool(2)
                        pool.apply(noop)
                        took = time.perf_counter() - t
                        pool.close(); pool.join()
                    else:
                        p = ctx.Process(target=noop)
                        p.start()
                        p.join()
                        took = time.perf_counter() - t
                    if i >= $WARMUP:
                        times.append(took * 1000)
                print(' '.join('%.3f' % x for x in times))
            """.trimIndent(),
        )
        return try {
            val child = ProcessBuilder("python3", script.toString(), method, runs.toString(), if (pool) "pool" else "process").redirectErrorStream(true).start()
            val output = child.inputStream.bufferedReader().readText()
            if (!child.waitFor(120, TimeUnit.SECONDS) || child.exitValue() != 0) null
            else output.trim().split(' ').map { it.toDouble() }
        } catch (e: java.io.IOException) {
            null
        }
    }
}
