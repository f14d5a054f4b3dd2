package dev.coproc

import kotlinx.coroutines.awaitCancellation
import kotlinx.serialization.Serializable

/** Sends [count] messages `"from <pid>: i"`-style through [out] and returns how many it sent. */
@Serializable
class SendNumbers(val out: Connection<Long>, val from: Long, val count: Int) : Task<Int> {
    override suspend fun run(): Int {
        for (i in 0 until count) out.send(from + i)
        return count
    }
}

/** The seeds' child: sends `[42, None, 'hello']` and closes its end. */
@Serializable
class SendGreeting(val out: Connection<Triple<Int, String?, String>>) : Task<Unit> {
    override suspend fun run() {
        out.send(Triple(42, null, "hello"))
        out.close()
    }
}

/** Answers every string it receives with its upper-case form until end of stream; returns how many it answered. */
@Serializable
class UpperCaseEcho(val conn: Connection<String>) : Task<Int> {
    override suspend fun run(): Int {
        var answered = 0
        conn.receiveAsFlow().collect {
            conn.send(it.uppercase())
            answered++
        }
        return answered
    }
}

/**
 * Sends numbered messages of [size] bytes, each filled with its number, until killed: a receiver can check
 * that every message it got is whole.
 */
@Serializable
class StreamForever(val out: Connection<ByteArray>, val size: Int) : Task<Unit> {
    override suspend fun run() {
        var n = 0
        while (true) {
            out.sendBytes(ByteArray(size) { (n % 251).toByte() })
            n++
        }
    }
}

/** Holds [conn] open until cancelled or killed. */
@Serializable
class HoldOpen(val conn: Connection<String>) : Task<Unit> {
    override suspend fun run() {
        conn.send("holding")
        awaitCancellation()
    }
}
