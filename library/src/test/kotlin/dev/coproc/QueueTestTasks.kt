package dev.coproc

import kotlinx.serialization.Serializable

/** Puts `from until from + count` into [queue]. */
@Serializable
class Produce(val queue: Queue<Long>, val from: Long, val count: Int) : Task<Int> {
    override suspend fun run(): Int {
        for (i in from until from + count) queue.put(i)
        return count
    }
}

/** Takes items until the queue is closed and drained; returns them in the order taken. */
@Serializable
class Consume(val queue: Queue<Long>) : Task<List<Long>> {
    override suspend fun run(): List<Long> = buildList { queue.asFlow().collect { add(it) } }
}

/** Takes items and reports each one through [taken] the moment it has it, until killed. */
@Serializable
class ConsumeAndReport(val queue: Queue<Long>, val taken: Connection<Long>) : Task<Unit> {
    override suspend fun run() {
        while (true) taken.send(queue.get())
    }
}

/** Takes items from a joinable queue, marks each done; returns how many. */
@Serializable
class Work(val queue: JoinableQueue<Long>) : Task<Int> {
    override suspend fun run(): Int {
        var done = 0
        queue.asFlow().collect {
            queue.taskDone()
            done++
        }
        return done
    }
}

/** Puts forever, counting up from [from], until killed. */
@Serializable
class ProduceForever(val queue: Queue<Long>, val from: Long) : Task<Unit> {
    override suspend fun run() {
        var i = from
        while (true) queue.put(i++)
    }
}

/** Takes one end out of [queue], sends [text] through it and closes it. */
@Serializable
class TakeEndAndSend(val queue: Queue<Connection<String>>, val text: String) : Task<Unit> {
    override suspend fun run() {
        queue.get().use { it.send(text) }
    }
}

/** Takes [count] byte items from [input] and puts each, unchanged, into [output]; returns the bytes moved. */
@Serializable
class EchoBytes(val input: Queue<ByteArray>, val output: Queue<ByteArray>, val count: Int) : Task<Long> {
    override suspend fun run(): Long {
        var moved = 0L
        repeat(count) {
            val item = input.get()
            output.put(item)
            moved += item.size
        }
        return moved
    }
}
