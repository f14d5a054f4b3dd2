package dev.coproc.demo

import dev.coproc.ProcessPool
import dev.coproc.PoolOptions
import dev.coproc.Task
import dev.coproc.TaskFunction
import dev.coproc.currentProcess
import dev.coproc.processPool
import kotlin.random.Random
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.collect
import kotlinx.serialization.Serializable

/** The seeds' pool worker: prints its pid, sleeps a random time, prints how long it took. */
@Serializable
class PoolWorkerTask(val message: Int) : Task<Unit> {
    override suspend fun run() {
        val start = System.nanoTime()
        println("$message starts in pid ${currentProcess().pid}")
        delay(Random.nextLong(0, 2_000))
        println("$message done in %.2f s".format((System.nanoTime() - start) / 1e9))
    }
}

@Serializable
object UpperCase : TaskFunction<String, String> {
    override suspend fun run(item: String): String = item.uppercase()
}

/** The seeds' Pool(3) with ten apply_async calls, close and join. */
object PoolApplyAsync {
    suspend fun run() {
        val pool = ProcessPool.create(PoolOptions.builder().workers(3).build())
        val results = (0 until 10).map { pool.applyAsync(PoolWorkerTask(it)) }
        println("----start----")
        pool.close()   // no new tasks; the ten queued ones still run
        pool.join()    // waits for the workers, only after close
        results.forEach { it.await() }
        println("-----end-----")
    }
}

/** map and imap of uppercasing names. */
object PoolMap {
    suspend fun run() {
        val names = listOf("alice", "bob", "carol", "dave", "erin")
        processPool(workers = 2) {
            println("map:  ${map(names, UpperCase)}")
            print("imap:")
            imap(names, UpperCase).collect { print(" $it") }
            println()
        }
    }
}

/** A CPU-bound map, serially in one worker and spread over two. */
object PoolSpeedup {
    suspend fun run() {
        val work = List(8) { 150 }
        val serial = processPool(workers = 1) {
            map(listOf(50), Burn)
            timed { map(work, Burn, chunkSize = 1) }
        }
        val parallel = processPool(workers = 2) {
            map(listOf(50, 50), Burn, chunkSize = 1)
            timed { map(work, Burn, chunkSize = 1) }
        }
        println("CPU-bound map of ${work.size} items: 1 worker %.2f s, 2 workers %.2f s, speed-up %.2fx on %d cores"
            .format(serial, parallel, serial / parallel, Runtime.getRuntime().availableProcessors()))
    }

    private inline fun timed(block: () -> Unit): Double {
        val start = System.nanoTime()
        block()
        return (System.nanoTime() - start) / 1e9
    }
}

