package dev.coproc.demo

import dev.coproc.Connection
import dev.coproc.EndOfStreamException
import dev.coproc.Pipe
import dev.coproc.Process
import dev.coproc.Task
import kotlinx.serialization.Serializable

/** The seeds' `f(conn)`: sends `[42, None, 'hello']` to the parent. */
@Serializable
class SendTriple(val conn: Connection<Triple<Int, String?, String>>) : Task<Unit> {
    override suspend fun run() {
        conn.send(Triple(42, null, "hello"))
    }
}

/** The seeds' pipe example: a child sends a message through its end, the parent receives it. */
object PipeHello {
    suspend fun run() {
        val (parentEnd, childEnd) = Pipe<Triple<Int, String?, String>>()
        val child = Process(SendTriple(childEnd))
        child.start()
        childEnd.close()
        println("parent received ${parentEnd.receive()}")
        child.join()
        parentEnd.close()
    }
}

/** The seeds' EOF example: the child reads until every sender has closed, then stops. */
@Serializable
class ReadUntilEnd(val conn: Connection<String>) : Task<Int> {
    override suspend fun run(): Int {
        var count = 0
        while (true) {
            try {
                println("child received: ${conn.receive()}")
                count++
            } catch (e: EndOfStreamException) {
                println("child: end of stream (${e.message})")
                return count
            }
        }
    }
}

object PipeEof {
    suspend fun run() {
        val (parentEnd, childEnd) = Pipe<String>()
        val child = Process(ReadUntilEnd(childEnd))
        child.start()
        childEnd.close()          // without this, the child would wait for our copy forever
        parentEnd.send("hello")
        parentEnd.send("world")
        parentEnd.close()         // the last sender closes: the child sees end of stream
        println("child read ${child.await()} messages")
        child.join()
    }
}
