package dev.coproc.demo

import dev.coproc.java.JavaPool
import dev.coproc.processPool

/**
 * `demo bench java`: what a task written in Java (a record, through `JavaPool`) costs beside the same task
 * written in Kotlin (through the suspending pool), in the same run: the apply round trip and a map of +1 over
 * 1,000,000 ints. The two pools run side by side and take turns, block by block, so that a noisy neighbour
 * or a slow phase of the machine weighs on both alike.
 */
object JavaBench {
    private const val ROUNDS = 20
    private const val APPLIES_PER_BLOCK = 1_000
    private const val WARMUP_BLOCKS = 20
    private const val MAP_ITEMS = 1_000_000
    private const val MAP_RUNS = 9

    suspend fun run() {
        println()
        println("Java record tasks (JavaPool) beside Kotlin tasks (processPool), 2 workers each, ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}")
        val items = List(MAP_ITEMS) { it }
        JavaPool.create(2).use { java ->
            processPool(workers = 2) {
                suspend fun kotlinApplies(): List<Double> = List(APPLIES_PER_BLOCK) { i -> micros { apply(Identity(i)) } }
                fun javaApplies(): List<Double> = List(APPLIES_PER_BLOCK) { i -> micros { java.apply(JavaBenchTasks.Identity(i)) } }
                // Warm: both round trips compiled on both sides.
                repeat(WARMUP_BLOCKS) { kotlinApplies(); javaApplies() }
                val kotlinLatencies = mutableListOf<Double>()
                val javaLatencies = mutableListOf<Double>()
                repeat(ROUNDS) {
                    kotlinLatencies += kotlinApplies()
                    javaLatencies += javaApplies()
                }
                repeat(2) {
                    map(items, Increment)
                    java.map(items, JavaBenchTasks.Increment())
                }
                val kotlinMaps = mutableListOf<Double>()
                val javaMaps = mutableListOf<Double>()
                repeat(MAP_RUNS) {
                    kotlinMaps += BenchSupport.timed { check(map(items, Increment).last() == MAP_ITEMS) }
                    javaMaps += BenchSupport.timed { check(java.map(items, JavaBenchTasks.Increment()).last() == MAP_ITEMS) }
                }
                println()
                println("| measure | Kotlin task | Java record | Java / Kotlin |")
                println("|---|---:|---:|---:|")
                row("apply round trip p50 (µs)", median(kotlinLatencies), median(javaLatencies))
                row("apply round trip p99 (µs)", percentile(kotlinLatencies, 99), percentile(javaLatencies, 99))
                row("map of +1 over 1M ints, median of $MAP_RUNS (ms)", median(kotlinMaps) * 1e3, median(javaMaps) * 1e3)
            }
        }
    }

    private inline fun micros(block: () -> Unit): Double {
        val start = System.nanoTime()
        block()
        return (System.nanoTime() - start) / 1e3
    }

    private fun median(values: List<Double>): Double = percentile(values, 50)

    private fun percentile(values: List<Double>, p: Int): Double = values.sorted()[(values.size * p / 100).coerceAtMost(values.size - 1)]

    private fun row(name: String, kotlin: Double, java: Double) = println("| $name | %.0f | %.0f | %.2f |".format(kotlin, java, java / kotlin))
}
