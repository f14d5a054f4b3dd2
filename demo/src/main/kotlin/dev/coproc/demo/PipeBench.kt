package dev.coproc.demo

import dev.coproc.Connection
import dev.coproc.Pipe
import dev.coproc.Process
import dev.coproc.Task
import kotlinx.serialization.Serializable

/** Sends [count] messages: Longs when [bytes] is 0, else byte messages of that size. */
@Serializable
class PipeSender(val out: Connection<Long>, val count: Int, val bytes: Int) : Task<Unit> {
    override suspend fun run() {
        if (bytes == 0) {
            for (i in 0 until count) out.send(i.toLong())
        } else {
            val chunk = ByteArray(bytes) { it.toByte() }
            repeat(count) { out.sendBytes(chunk) }
        }
        out.close()
    }
}

/**
 * `demo bench pipe`: a child process sends through a duplex `Pipe()` and this process receives, as Python's
 * `Pipe()` (a socket pair too) in the same run. Timed from the first message received to the last, so
 * neither side's process start counts.
 */
object PipeBench {
    private const val SMALL = 1_000_000
    private const val BULK = 2_000
    private const val MIB = 1024 * 1024
    private const val RUNS = 3

    suspend fun run() {
        println()
        println("Pipe, child sends and parent receives, ${Runtime.getRuntime().availableProcessors()} cores, java ${System.getProperty("java.version")}; medians of $RUNS runs")
        val python = python()
        receive(SMALL / 10, 0) // warm-up
        val small = BenchSupport.median(RUNS) { SMALL / receive(SMALL, 0) }
        // Untimed runs first: a program that moves large messages has a warm heap (the first GiBs of 1 MiB arrays
        // land on heap memory the JVM touches for the first time, at half the speed) and a warm JIT.
        repeat(3) { receive(BULK, MIB) }
        val bulk = BenchSupport.median(RUNS) { BULK / receive(BULK, MIB) }
        receive(BULK, MIB, into = true)
        val bulkInto = BenchSupport.median(RUNS) { BULK / receive(BULK, MIB, into = true) }
        BenchSupport.header()
        BenchSupport.row("small messages (a Long / an int), msgs/s", small, python?.get("small"), "%.0f")
        BenchSupport.row("bulk, 1 MiB messages, MiB/s (python warm)", bulk, python?.get("bulkwarm"), "%.0f")
        BenchSupport.row("bulk, 1 MiB messages, MiB/s (python cold)", bulk, python?.get("bulk"), "%.0f")
        BenchSupport.row("bulk, 1 MiB messages into one buffer (receiveBytesInto / recv_bytes_into), MiB/s (python warm)", bulkInto, python?.get("bulkinto"), "%.0f")
    }

    /** Seconds from the first message to the last of [count]; [into]: each received into one reused buffer. */
    private suspend fun receive(count: Int, bytes: Int, into: Boolean = false): Double {
        val (mine, theirs) = Pipe<Long>()
        mine.use {
            val child = Process(PipeSender(theirs, count, bytes))
            child.start()
            theirs.close()
            val buffer = ByteArray(if (into) bytes else 0)
            suspend fun next() {
                when {
                    bytes == 0 -> mine.receive()
                    into -> check(mine.receiveBytesInto(buffer) == bytes)
                    else -> mine.receiveBytes()
                }
            }
            return BenchSupport.withChildren(listOf(child)) {
                next()
                val start = System.nanoTime()
                repeat(count - 1) { next() }
                val seconds = (System.nanoTime() - start) / 1e9
                child.join()
                seconds * count / (count - 1)
            }
        }
    }

    private fun python(): Map<String, Double>? = BenchSupport.python(
        "pipe-bench",
        """
        import multiprocessing as mp, time
        def warm():
            # glibc serves a 1 MiB buffer with mmap and unmaps it when freed (a page fault per 4 KiB each time),
            # until a freed mapping that large lifts its threshold: as in any process that has run a while.
            buffer = bytearray(4 * $MIB); del buffer
        def sender(conn, count, size, warmed):
            if warmed: warm()
            if size == 0:
                for i in range(count): conn.send(i)
            else:
                chunk = bytes(range(256)) * (size // 256)
                for _ in range(count): conn.send_bytes(chunk)
            conn.close()
        def receive(count, size, warmed=False, into=False):
            mine, theirs = mp.Pipe()
            p = mp.Process(target=sender, args=(theirs, count, size, warmed)); p.start(); theirs.close()
            buffer = bytearray(size)
            get = mine.recv if size == 0 else (lambda: mine.recv_bytes_into(buffer)) if into else mine.recv_bytes
            get(); t = time.perf_counter()
            for _ in range(count - 1): get()
            s = time.perf_counter() - t; p.join()
            return s * count / (count - 1)
        if __name__ == '__main__':
            receive($SMALL // 10, 0)
            small = sorted($SMALL / receive($SMALL, 0) for _ in range($RUNS))[$RUNS // 2]
            receive($BULK, $MIB)
            bulk = sorted($BULK / receive($BULK, $MIB) for _ in range($RUNS))[$RUNS // 2]
            warm()
            receive($BULK, $MIB, True)
            bulkwarm = sorted($BULK / receive($BULK, $MIB, True) for _ in range($RUNS))[$RUNS // 2]
            receive($BULK, $MIB, True, True)
            bulkinto = sorted($BULK / receive($BULK, $MIB, True, True) for _ in range($RUNS))[$RUNS // 2]
            print('small', small); print('bulk', bulk); print('bulkwarm', bulkwarm); print('bulkinto', bulkinto)
        """.trimIndent(),
    )
}
