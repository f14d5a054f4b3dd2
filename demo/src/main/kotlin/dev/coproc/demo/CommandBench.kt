package dev.coproc.demo

import dev.coproc.Command
import dev.coproc.CommandOutput
import dev.coproc.java.JavaCommand
import java.util.concurrent.TimeUnit

/**
 * `demo bench command`: spawn-and-wait latency of `/bin/true`, median over [RUNS] runs, for coproc's
 * [Command] (output captured, and discarded), the same through the blocking [JavaCommand], the JDK's `ProcessBuilder`, and Python's `subprocess.run`
 * measured in the same run; then both streams of a command that writes 8 MiB to each at once, captured.
 */
object CommandBench {
    private const val RUNS = 300
    private const val WARMUP = 50
    /** 8 MiB on each stream, written at once: a reader that serves one stream at a time deadlocks or stalls. */
    private const val FLOOD = "head -c 8388608 /dev/zero >&2 & head -c 8388608 /dev/zero; wait"
    private const val FLOOD_RUNS = 15

    suspend fun run() {
        println()
        println("Spawn and wait for /bin/true, median and p90 of $RUNS runs after $WARMUP warm-up runs, ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}")
        val builder = measure { check(ProcessBuilder("/bin/true").start().waitFor(60, TimeUnit.SECONDS)) }
        val captured = measure { Command("/bin/true").run() }
        val discarded = measure { Command("/bin/true").stdout(CommandOutput.Discard).stderr(CommandOutput.Discard).run() }
        val javaCaptured = measure { JavaCommand.of("/bin/true").run() }
        val javaDiscarded = measure { JavaCommand.of("/bin/true").stdout(JavaCommand.Output.DISCARD).stderr(JavaCommand.Output.DISCARD).run() }
        val flood = Command.shell(FLOOD)
        repeat(3) { flood.run() }
        val communicated = List(FLOOD_RUNS) {
            val start = System.nanoTime()
            val result = flood.run()
            check(result.stdout.size == 8 shl 20 && result.stderr.size == 8 shl 20)
            (System.nanoTime() - start) / 1e6
        }.sorted()[FLOOD_RUNS / 2]
        val python = BenchSupport.python(
            "command-bench",
            """
            import subprocess, time
            def measure(f):
                for _ in range($WARMUP): f()
                times = []
                for _ in range($RUNS):
                    t = time.perf_counter(); f(); times.append((time.perf_counter() - t) * 1000)
                times.sort()
                return times[len(times) // 2], times[int((len(times) - 1) * 0.9)]
            run = measure(lambda: subprocess.run(['/bin/true']))
            captured = measure(lambda: subprocess.run(['/bin/true'], capture_output=True))
            print('run', run[0]); print('run90', run[1]); print('captured', captured[0]); print('captured90', captured[1])
            def flood():
                r = subprocess.run(['/bin/sh', '-c', '$FLOOD'], capture_output=True)
                assert len(r.stdout) == 8 << 20 and len(r.stderr) == 8 << 20
            for _ in range(3): flood()
            times = []
            for _ in range($FLOOD_RUNS):
                t = time.perf_counter(); flood(); times.append((time.perf_counter() - t) * 1000)
            print('flood', sorted(times)[$FLOOD_RUNS // 2])
            """.trimIndent(),
        )
        println()
        println("| spawn + wait of /bin/true | median ms | p90 ms | median / ProcessBuilder | median / python |")
        println("|---|---:|---:|---:|---:|")
        fun row(name: String, median: Double, p90: Double, python: Double?) =
            println("| $name | %.3f | %.3f | %.2f | %s |".format(median, p90, median / builder.first, python?.let { "%.2f".format(median / it) } ?: "-"))
        row("coproc `Command.run()`, output captured", captured.first, captured.second, python?.get("captured"))
        row("coproc `Command.run()`, output discarded", discarded.first, discarded.second, python?.get("run"))
        row("coproc `JavaCommand.run()` (blocking, Java), output captured", javaCaptured.first, javaCaptured.second, python?.get("captured"))
        row("coproc `JavaCommand.run()` (blocking, Java), output discarded", javaDiscarded.first, javaDiscarded.second, python?.get("run"))
        row("JDK `ProcessBuilder.start().waitFor()`", builder.first, builder.second, python?.get("run"))
        python?.let {
            row("python3 `subprocess.run`", it.getValue("run"), it.getValue("run90"), it.getValue("run"))
            row("python3 `subprocess.run(capture_output=True)`", it.getValue("captured"), it.getValue("captured90"), it.getValue("captured"))
        }
        println()
        println("| communicate: 8 MiB on stdout and 8 MiB on stderr at once, median of $FLOOD_RUNS | ms | python ms | coproc / python |")
        println("|---|---:|---:|---:|")
        val pythonFlood = python?.get("flood")
        println("| `Command.run()` / `subprocess.run(capture_output=True)` | %.1f | %s | %s |".format(
            communicated, pythonFlood?.let { "%.1f".format(it) } ?: "-", pythonFlood?.let { "%.2f".format(communicated / it) } ?: "-"))
    }

    /** Median and p90 in milliseconds. */
    private suspend fun measure(body: suspend () -> Unit): Pair<Double, Double> {
        repeat(WARMUP) { body() }
        val times = List(RUNS) {
            val start = System.nanoTime()
            body()
            (System.nanoTime() - start) / 1e6
        }.sorted()
        return times[times.size / 2] to times[((times.size - 1) * 0.9).toInt()]
    }
}
