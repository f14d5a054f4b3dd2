package dev.coproc.it.floor

import dev.coproc.Process
import dev.coproc.Queue
import dev.coproc.Task
import dev.coproc.TaskFunction
import dev.coproc.processPool
import kotlinx.serialization.Serializable

@Serializable
object Square : TaskFunction<Int, Int> {
    override suspend fun run(item: Int): Int = item * item
}

@Serializable
class Produce(private val queue: Queue<Int>, private val count: Int) : Task<Unit> {
    override suspend fun run() {
        for (i in 1..count) queue.put(i)
    }
}

/** What this Kotlin 2.2 project does with coproc: a pool map, then a queue filled by another process. */
object FloorApp {
    class Results(val squares: List<Int>, val queued: Int, val producerExit: Int?)

    suspend fun run(): Results {
        val squares = processPool(workers = 2) { map(1..10, Square) }
        val queue = Queue<Int>()
        try {
            val producer = Process(Produce(queue, 100)).start()
            try {
                var sum = 0
                repeat(100) { sum += queue.get() }
                producer.join()
                return Results(squares, sum, producer.exitCode)
            } finally {
                // A caller that gave up (the test's timeout) leaves no child behind.
                if (producer.isAlive) producer.kill()
            }
        } finally {
            queue.close()
        }
    }
}
