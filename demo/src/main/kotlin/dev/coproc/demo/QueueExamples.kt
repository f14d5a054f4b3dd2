package dev.coproc.demo

import dev.coproc.JoinableQueue
import dev.coproc.Process
import dev.coproc.Queue
import dev.coproc.Task
import dev.coproc.currentProcess
import kotlin.random.Random
import kotlinx.coroutines.delay
import kotlinx.serialization.Serializable

/** The seeds' producer: makes three buns, puts each on the queue. */
@Serializable
class Baker(val name: String, val queue: JoinableQueue<String>) : Task<Unit> {
    override suspend fun run() {
        for (i in 1..3) {
            delay(Random.nextLong(50, 200))
            val bun = "$name's bun $i"
            queue.put(bun)
            println("${currentProcess().pid} made $bun")
        }
    }
}

/** The seeds' consumer: eats until the queue is closed (no `None` sentinel), marking each bun done. */
@Serializable
class Eater(val queue: JoinableQueue<String>) : Task<Int> {
    override suspend fun run(): Int {
        var eaten = 0
        queue.asFlow().collect { bun ->
            delay(Random.nextLong(50, 200))
            println("${currentProcess().pid} ate $bun")
            queue.taskDone()
            eaten++
        }
        return eaten
    }
}

/** The seeds' producer/consumer: 3 producers and 2 consumers over a JoinableQueue. */
object ProducerConsumer {
    suspend fun run() {
        val queue = JoinableQueue<String>()
        val bakers = listOf("egon", "alex", "wupeiqi").map { Process(Baker(it, queue)).also { p -> p.start() } }
        val eaters = List(2) { Process(Eater(queue)).also { it.start() } }
        bakers.forEach { it.join() }
        queue.join()                      // every bun put was eaten
        println("main: all ${bakers.size * 3} buns eaten")
        queue.shutdown()                  // the eaters' flows complete: no sentinel per consumer
        println("eaten per consumer: ${eaters.map { it.await() }}")
        eaters.forEach { it.join() }
        queue.close()
    }
}

/** The seeds' bounded queue: with maxsize 3, the fourth put_nowait fails with Full. */
object BoundedQueue {
    suspend fun run() {
        val queue = Queue<String>(capacity = 3)
        for (item in listOf("first", "second", "third", "fourth")) {
            if (queue.tryPut(item)) println("put $item (size ${queue.size}, full: ${queue.isFull})")
            else println("tryPut($item) failed: the queue is full")
        }
        println("get: ${queue.get()}, then tryPut(fourth) = ${queue.tryPut("fourth")}")
        while (!queue.isEmpty) println("get: ${queue.get()}")
        queue.close()
    }
}
