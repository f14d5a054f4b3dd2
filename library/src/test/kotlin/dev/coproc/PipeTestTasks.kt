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

/** Receives one end through [control], sends [text] through it and closes it. */
@Serializable
class ReceiveEndAndSend(val control: Connection<Connection<String>>, val text: String) : Task<Unit> {
    override suspend fun run() {
        control.receive().use { it.send(text) }
    }
}

/** Dies on its first run (no [marker] yet), after its arguments were decoded; on the next, sends "sent" through [out]. */
@Serializable
class DieOnceThenSend(val out: Connection<String>, val marker: String) : Task<String> {
    override suspend fun run(): String {
        val path = java.nio.file.Path.of(marker)
        if (!java.nio.file.Files.exists(path)) {
            java.nio.file.Files.createFile(path)
            Runtime.getRuntime().halt(1)
        }
        out.send("sent")
        return "sent"
    }
}

/** Closes [conn] at once, then lives on until cancelled or killed. */
@Serializable
class CloseAndLiveOn(val conn: Connection<String>) : Task<Unit> {
    override suspend fun run() {
        conn.close()
        awaitCancellation()
    }
}

/** Sends 0, 1, 2... through [out] until killed: a receiver can check that none was lost, doubled or reordered. */
@Serializable
class CountForever(val out: Connection<Long>) : Task<Unit> {
    override suspend fun run() {
        var n = 0L
        while (true) out.send(n++)
    }
}

/** Sends, [rounds] times, a message of each of [sizes] bytes, each byte its sequence number mod 251. */
@Serializable
class SendSizes(val out: Connection<ByteArray>, val sizes: List<Int>, val rounds: Int) : Task<Unit> {
    override suspend fun run() {
        var n = 0
        repeat(rounds) {
            for (size in sizes) {
                out.sendBytes(ByteArray(size) { (n % 251).toByte() })
                n++
            }
        }
        out.close()
    }
}

/** Sends [count] messages of [size] bytes: each its sequence number in the first 4 bytes, then [mark] in every byte after. */
@Serializable
class SendMarked(val out: Connection<ByteArray>, val mark: Byte, val count: Int, val size: Int) : Task<Unit> {
    override suspend fun run() {
        repeat(count) { n ->
            val message = ByteArray(size) { mark }
            java.nio.ByteBuffer.wrap(message).putInt(0, n)
            out.sendBytes(message)
        }
        out.close()
    }
}
