package dev.coproc

import java.nio.ReadOnlyBufferException
import kotlinx.serialization.Serializable

/** Sums a read-only Long array through its view (no copy), and tells whether writing through the view failed. */
@Serializable
class SumReadOnly(val data: ReadOnlyLongArray) : Task<Pair<Long, Boolean>> {
    override suspend fun run(): Pair<Long, Boolean> {
        val view = data.longs()
        var sum = 0L
        for (i in 0 until view.capacity()) sum += view.get(i)
        val refused = try {
            data.buffer().putLong(0, 42)
            false
        } catch (e: ReadOnlyBufferException) {
            true
        }
        return sum to refused
    }
}

/** Sums a big read-only array, says it has, then holds on (and keeps its pages mapped) until [release] is set. */
@Serializable
class SumAndHold(val data: ReadOnlyLongArray, val done: Event, val release: Event) : Task<Long> {
    override suspend fun run(): Long {
        val view = data.longs()
        var sum = 0L
        for (i in 0 until view.capacity()) sum += view.get(i)
        done.set()
        release.wait()
        return sum
    }
}

/** Reads back what every kind of read-only data holds. */
@Serializable
class ReadAllKinds(val bytes: ReadOnlyBytes, val ints: ReadOnlyIntArray, val doubles: ReadOnlyDoubleArray, val file: ReadOnlyBytes) : Task<List<String>> {
    override suspend fun run(): List<String> = listOf(
        bytes.copyOfRange(0, bytes.size).decodeToString(),
        ints.toIntArray().toList().toString(),
        doubles.toDoubleArray().toList().toString(),
        file.copyOfRange(0, file.size).decodeToString(),
    )
}

/** The worker's data, set once by the pool's initializer (Python's global set before fork). */
object WorkerData {
    @Volatile var table: ReadOnlyIntArray? = null
}

/** A pool initializer: keeps the table for the worker's tasks. */
@Serializable
class LoadTable(val table: ReadOnlyIntArray) : Task<Unit> {
    override suspend fun run() {
        WorkerData.table = table
    }
}

/** Looks [index] up in the worker's table; returns the worker's pid with it. */
@Serializable
class LookUp(val index: Int) : Task<Pair<Long, Int>> {
    override suspend fun run(): Pair<Long, Int> = ProcessHandle.current().pid() to WorkerData.table!![index]
}
