package dev.coproc

import dev.coproc.os.Signals
import dev.coproc.worker.WorkerMain
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardOpenOption.APPEND
import java.nio.file.StandardOpenOption.CREATE
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.serialization.Serializable

@Serializable
class Pid : Task<Long> {
    override suspend fun run(): Long = currentProcess().pid
}

@Serializable
class SleepThenPid(val millis: Long) : Task<Long> {
    override suspend fun run(): Long {
        delay(millis)
        return currentProcess().pid
    }
}

@Serializable
object SquareFn : TaskFunction<Int, Int> {
    override suspend fun run(item: Int): Int = item * item
}

@Serializable
object HalfOf : TaskFunction<Long, Double> {
    override suspend fun run(item: Long): Double = item / 2.0
}

@Serializable
object NullIfOdd : TaskFunction<Int, Int?> {
    override suspend fun run(item: Int): Int? = if (item % 2 == 1) null else item
}

@Serializable
object Upper : TaskFunction<String, String> {
    override suspend fun run(item: String): String = item.uppercase()
}

@Serializable
object Add : TaskFunction2<Int, Int, Int> {
    override suspend fun run(first: Int, second: Int): Int = first + second
}

@Serializable
class FailAt(val bad: Int) : TaskFunction<Int, Int> {
    override suspend fun run(item: Int): Int = if (item == bad) throw IllegalArgumentException("bad item $item") else item
}

@Serializable
class SlowFn(val millis: Long) : TaskFunction<Int, Int> {
    override suspend fun run(item: Int): Int {
        delay(millis)
        return item
    }
}

/** Returns its item at once, but keeps its thread (no suspension) for [millis] at item [at]. */
@Serializable
class BlockAt(val at: Int, val millis: Long) : TaskFunction<Int, Int> {
    override suspend fun run(item: Int): Int {
        if (item == at) Thread.sleep(millis)
        return item
    }
}

/** Kills its own worker with [signal] mid-task. */
@Serializable
class SignalSelf(val signal: Int) : Task<Unit> {
    override suspend fun run() {
        Signals.send(currentProcess().pid, signal)
        delay(60_000)
    }
}

/** Appends a beat to [file] every 20 ms until cancelled, then writes "cancelled". */
@Serializable
class Heartbeat(val file: String) : Task<Unit> {
    override suspend fun run() {
        try {
            var beat = 0
            while (true) {
                Files.writeString(Path.of(file), "beat ${beat++}\n", CREATE, APPEND)
                delay(20)
            }
        } finally {
            Files.writeString(Path.of(file), "cancelled\n", CREATE, APPEND)
        }
    }
}

/** Spins without ever suspending until its coroutine is cancelled: only a cancel read while it runs stops it. */
@Serializable
class BusyUntilCancelled(val file: String) : Task<Unit> {
    override suspend fun run() {
        Files.writeString(Path.of(file), "started\n", CREATE, APPEND)
        while (currentCoroutineContext().isActive) Thread.onSpinWait()
        Files.writeString(Path.of(file), "cancelled\n", CREATE, APPEND)
    }
}

/** Dies on its first run (no marker yet), succeeds on the next. */
@Serializable
class DieOnce(val marker: String) : Task<String> {
    override suspend fun run(): String {
        val path = Path.of(marker)
        if (!Files.exists(path)) {
            Files.createFile(path)
            Runtime.getRuntime().halt(1)
        }
        return "ok"
    }
}

/** Kills its worker the first time it sees item [at] (no marker yet); returns the item otherwise. */
@Serializable
class DieOnceAt(val at: Int, val marker: String) : TaskFunction<Int, Int> {
    override suspend fun run(item: Int): Int {
        if (item == at && !Files.exists(Path.of(marker))) {
            Files.createFile(Path.of(marker))
            Runtime.getRuntime().halt(1)
        }
        return item
    }
}

/**
 * Keeps its thread without suspending until the worker's watchdog takes the command reading from it (2 ms
 * on), then ends at once, so that the thread it ran on is done while the new reading thread is still being
 * started. White box: it watches the turn counter of WorkerMain's reading baton.
 */
@Serializable
class EndAsReadingMoves : Task<Long> {
    override suspend fun run(): Long {
        val baton = WorkerMain::class.java.getDeclaredField("baton").apply { isAccessible = true }.get(null)
        val turn = baton.javaClass.getDeclaredField("turn").apply { isAccessible = true }.get(baton) as AtomicLong
        val giveUp = System.nanoTime() + 10_000_000_000
        // Odd while this task holds the reading thread; the watchdog's hand-over makes it even.
        while (turn.get() % 2 == 1L && System.nanoTime() < giveUp) Thread.onSpinWait()
        return currentProcess().pid
    }
}

/**
 * Appends each item to [runs] as it starts, and returns it. Item [endAt], the first time (until [marker]
 * exists), ends its worker: by a halt, or with [bySigterm] by a SIGTERM to itself while it waits (the worker
 * cancels it, which sends no answer, and dies of the signal a moment later).
 */
@Serializable
class RecordRuns(val runs: String, val endAt: Int, val marker: String, val bySigterm: Boolean = false) : TaskFunction<Int, Int> {
    override suspend fun run(item: Int): Int {
        Files.writeString(Path.of(runs), "$item\n", CREATE, APPEND)
        if (item == endAt && !Files.exists(Path.of(marker))) {
            Files.createFile(Path.of(marker))
            if (!bySigterm) Runtime.getRuntime().halt(1)
            Signals.send(currentProcess().pid, Signals.SIGTERM)
            delay(60_000)
        }
        return item
    }
}

/** The pid of the worker that ran the item. */
@Serializable
object ItemPid : TaskFunction<Int, Long> {
    override suspend fun run(item: Int): Long = currentProcess().pid
}

/** How many items run at once in this worker when [run] starts; suspends a while, so overlaps would show. */
@Serializable
object Overlap : TaskFunction<Int, Int> {
    private val active = java.util.concurrent.atomic.AtomicInteger()

    override suspend fun run(item: Int): Int {
        val now = active.incrementAndGet()
        try {
            delay(5)
            return now
        } finally {
            active.decrementAndGet()
        }
    }
}

/** State of one worker JVM, set by [CountInit]. */
object WorkerState {
    @Volatile
    var initializations = 0
}

@Serializable
class CountInit : Task<Unit> {
    override suspend fun run() {
        WorkerState.initializations++
    }
}

@Serializable
class ReadInit : Task<Int> {
    override suspend fun run(): Int = WorkerState.initializations
}

@Serializable
class FailingInit : Task<Unit> {
    override suspend fun run(): Unit = throw IllegalStateException("no database")
}

/** Encodes fine, never decodes: a result the parent cannot read. */
@Serializable(with = OneWay.Serializer::class)
class OneWay(val value: Int) {
    object Serializer : kotlinx.serialization.KSerializer<OneWay> {
        override val descriptor = kotlinx.serialization.descriptors.PrimitiveSerialDescriptor("OneWay", kotlinx.serialization.descriptors.PrimitiveKind.INT)
        override fun serialize(encoder: kotlinx.serialization.encoding.Encoder, value: OneWay) = encoder.encodeInt(value.value)
        override fun deserialize(decoder: kotlinx.serialization.encoding.Decoder): OneWay =
            throw kotlinx.serialization.SerializationException("OneWay values do not decode")
    }
}

@Serializable
class ReturnsOneWay : Task<OneWay> {
    override suspend fun run(): OneWay = OneWay(7)
}
