package dev.coproc.demo

import dev.coproc.Process
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import kotlin.time.Duration.Companion.minutes
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout

/** What the benchmark sections share: running the Python side, and printing rows as ratios against it. */
internal object BenchSupport {
    /**
     * Runs [script] with python3 and reads its output, one `name value` pair per line; null when python3 is
     * missing or fails (the table then shows only coproc's figures).
     */
    fun python(name: String, script: String): Map<String, Double>? {
        val file = Files.createTempFile("coproc-$name", ".py")
        Files.writeString(file, script)
        return try {
            val child = ProcessBuilder("python3", file.toString()).redirectErrorStream(true).start()
            val output = child.inputStream.bufferedReader().readText()
            if (!child.waitFor(600, TimeUnit.SECONDS) || child.exitValue() != 0) {
                println("(python3 failed: $output)")
                null
            } else {
                output.lines().filter { it.isNotBlank() }.associate { line -> line.split(' ').let { it[0] to it[1].toDouble() } }
            }
        } catch (e: java.io.IOException) {
            null
        } finally {
            Files.deleteIfExists(file)
        }
    }

    fun header() {
        println()
        println("| measure | coproc | python | coproc / python |")
        println("|---|---:|---:|---:|")
    }

    fun row(name: String, ours: Double, theirs: Double?, format: String) {
        val ratio = theirs?.let { "%.2f".format(ours / it) } ?: "-"
        println("| $name | ${format.format(ours)} | ${theirs?.let { format.format(it) } ?: "-"} | $ratio |")
    }

    /**
     * Runs [block], which talks to [children], for at most [timeout]; then kills whichever child is still alive
     * and waits for it. A child that dies or hangs mid-bench fails the bench instead of hanging it.
     */
    suspend fun <R> withChildren(children: List<Process<*>>, timeout: Duration = 5.minutes, block: suspend () -> R): R = try {
        withTimeout(timeout) { block() }
    } finally {
        withContext(NonCancellable) {
            for (child in children) {
                if (child.isAlive) child.kill()
                child.join()
            }
        }
    }

    inline fun median(runs: Int, measure: () -> Double): Double = List(runs) { measure() }.sorted()[runs / 2]

    inline fun timed(block: () -> Unit): Double {
        val start = System.nanoTime()
        block()
        return (System.nanoTime() - start) / 1e9
    }
}
