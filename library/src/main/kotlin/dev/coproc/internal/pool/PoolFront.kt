package dev.coproc.internal.pool

import dev.coproc.internal.codec.EncodedTask
import dev.coproc.internal.codec.EncodingFailure
import dev.coproc.internal.codec.FunctionShape
import dev.coproc.internal.codec.IntProgressionList
import dev.coproc.internal.codec.LongProgressionList
import dev.coproc.internal.codec.ResultCollector
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.codec.encoding
import dev.coproc.internal.channel.WorkerFailure
import dev.coproc.internal.handles.Leases
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlinx.coroutines.flow.FlowCollector
import kotlinx.coroutines.selects.select
import kotlinx.serialization.KSerializer
import kotlinx.serialization.builtins.ListSerializer

/**
 * The engine-neutral half of a pool: tasks and map chunks made into [Payload]s, handed to [submit], and the
 * results decoded, gathered in order or streamed. The local pool submits to its scheduler, the cluster pool to
 * cluster nodes; both keep the same contract because both go through here. What it knows of the items is what
 * the codec knows (encoded tasks, [FunctionShape]s); the public side encodes the tasks and turns the internal
 * failures reported here ([EncodingFailure], [WorkerFailure], [PoolFailure]) into public exceptions.
 *
 * [parallelism] sizes the default chunks (about four per worker, as Python) and the window a streaming map
 * keeps in flight (64 items or 2 chunks per worker, whichever is more). [maxFrameSize] is the largest message
 * the engine carries: a task over it fails here, and a map chunk over it is split.
 *
 * The handles a task or chunk carries are [Leases] held until its item completes (done, failed, cancelled or
 * dropped by a terminate); a map's function's, until the whole map ends. [resends]: the engine may send an
 * item again after a fetch (a retry on another worker, a job failed over), so its leases must stay fetchable.
 */
internal class PoolFront(
    private val parallelism: Int,
    private val taskTimeout: Duration?,
    private val maxFrameSize: Int,
    val resends: Boolean,
    private val submit: (Payload, Duration?) -> WorkItem,
) {
    /** Submits [encoded], its handles leased in [leases], as one item; over the frame limit, it fails here. */
    fun submitTask(encoded: EncodedTask, leases: Leases, timeout: Duration?): WorkItem {
        val payload = Payload.Single(encoded)
        if (!fits(payload)) {
            leases.release()
            throw frameLimitExceeded("task ${encoded.typeName}", payload)
        }
        return submitLeased(Leased(payload, leases, 1), timeout ?: taskTimeout)
    }

    /** Suspends for [item]'s result, decoded with [serializer]; cancelling the caller cancels the item. */
    @Suppress("UNCHECKED_CAST")
    suspend fun <R> result(item: WorkItem, serializer: KSerializer<*>): R {
        val bytes = item.await()
        return decodeWith(item) { WireCodec.decode(serializer, bytes) } as R
    }

    /**
     * Runs [tasks] in chunks of tasks of one class, and returns their results in order. [typeOf] tells the
     * class a task travels as, [serializers] gives a task class's serializer and its result's.
     */
    @Suppress("UNCHECKED_CAST")
    suspend fun <R> mapTasks(
        tasks: Iterable<Any>,
        chunkSize: Int,
        progress: ((completed: Int, total: Int) -> Unit)?,
        typeOf: (Any) -> Class<*>,
        serializers: (Class<*>) -> Pair<KSerializer<Any>, KSerializer<Any?>>,
    ): List<R> {
        val all = tasks.toList()
        val size = chunkSize(all.size, chunkSize)
        // A chunk holds tasks of one class, so that one list serializer encodes it.
        val chunks = mutableListOf<List<Any>>()
        val types = mutableListOf<Class<*>>()
        for (task in all) {
            val type = typeOf(task)
            val last = chunks.lastOrNull()
            if (last != null && last.size < size && types.last() == type) (last as MutableList<Any>) += task
            else {
                chunks += mutableListOf(task)
                types += type
            }
        }
        val resultLists = ArrayList<KSerializer<*>>()
        val encoded = encodeAll(chunks.indices.toList()) { index ->
            val chunk = chunks[index]
            val type = types[index]
            val (taskSerializer, resultSerializer) = encoding(type.name) { serializers(type) }
            encodeFitting(chunk, "task ${type.name}") { part ->
                Payload.Tasks(type.name, encoding(type.name) { WireCodec.encode(ListSerializer(taskSerializer), part) })
            }.also { parts -> repeat(parts.size) { resultLists += ListSerializer(resultSerializer) } }
        }
        val work = submitAll(encoded)
        return collectInOrder(work, encoded.map { it.count }, all.size, progress) { index, bytes ->
            decodeWith(work[index]) { WireCodec.decode(resultLists[index], bytes) } as List<*>
        }
    }

    /** Runs [function] (of [shape]) over [items] in chunks, and returns the results in order. */
    suspend fun <R> map(
        items: Iterable<*>,
        function: Any,
        shape: FunctionShape,
        chunkSize: Int,
        progress: ((completed: Int, total: Int) -> Unit)?,
    ): List<R> {
        val all = when (items) {
            is List<*> -> items
            is IntProgression -> IntProgressionList(items)
            is LongProgression -> LongProgressionList(items)
            else -> items.toList()
        }
        // Every chunk carries the function, decoded with it: its handles are fetched once per chunk.
        val functionLeases = Leases(reusable = true)
        val functionBytes = functionLeases.encoding { encodeFunction(function, shape) }
        try {
            val size = chunkSize(all.size, chunkSize)
            // Views, not copies: a million boxed items are expensive enough for the garbage collector once.
            val chunks = encodeAll((all.indices step size).map { from -> all.subList(from, minOf(from + size, all.size)) }) { chunk ->
                encodeFitting(chunk, "map function ${shape.type.name}") { part ->
                    Payload.Chunk(shape.type.name, functionBytes, encoding(shape.type.name) { shape.encodeItems(part) })
                }
            }
            val work = submitAll(chunks)
            return collectInOrder(work, chunks.map { it.count }, all.size, progress) { index, bytes ->
                decodeWith(work[index]) { shape.decodeResults(bytes) } as List<*>
            }
        } finally {
            functionLeases.release()
        }
    }

    /**
     * Runs [function] (of [shape]) over [items] in chunks of [chunkSize], a bounded window of them in flight,
     * and emits the results to [collector] in order ([ordered]) or as chunks complete.
     */
    suspend fun <R> stream(collector: FlowCollector<R>, items: Iterable<*>, function: Any, shape: FunctionShape, chunkSize: Int, ordered: Boolean) {
        require(chunkSize >= 1) { "chunkSize must be at least 1, not $chunkSize" }
        val functionLeases = Leases(reusable = true)
        val functionBytes = functionLeases.encoding { encodeFunction(function, shape) }
        val chunks = items.asSequence().chunked(chunkSize).iterator()
        // In flight: 64 items per worker, so that each worker's next tasks already wait in the queue when its reply
        // comes (with only two, a worker idled until this collector ran and submitted more: half the throughput
        // of chunk size 1; 64 rather than 16 lets tiny tasks' replies come back in runs, each read with one
        // system call and answered with one write: 1.7-1.9x the items a second), or 2 chunks per worker when
        // chunks are larger. The source is never further ahead.
        val window = maxOf(parallelism * 2, parallelism * 64 / chunkSize)
        val inFlight = ArrayDeque<WorkItem>()
        try {
            while (true) {
                while (inFlight.size < window && chunks.hasNext()) {
                    val parts = encodeFitting(chunks.next(), "map function ${shape.type.name}") { part ->
                        Payload.Chunk(shape.type.name, functionBytes, encoding(shape.type.name) { shape.encodeItems(part) })
                    }
                    inFlight += submitAll(parts)
                }
                if (inFlight.isEmpty()) break
                val done = if (ordered) inFlight.first() else select { inFlight.forEach { item -> item.result.onJoin { item } } }
                inFlight.remove(done)
                val bytes = done.await()
                @Suppress("UNCHECKED_CAST")
                val results = decodeWith(done) { shape.decodeResults(bytes) } as List<R>
                for (result in results) collector.emit(result)
            }
        } finally {
            inFlight.forEach { it.cancel() }
            functionLeases.release()
        }
    }

    /** A payload ready to submit: the leases its handles hold until its item completes, and its item count. */
    private class Leased(val payload: Payload, val leases: Leases, val count: Int)

    /**
     * Encodes [chunk] as one payload, or, when that is over the frame limit, as the payloads of its halves, and
     * so on down to single items. An item over the limit alone fails.
     */
    private fun <T> encodeFitting(chunk: List<T>, what: String, encode: (List<T>) -> Payload): List<Leased> {
        val leases = Leases(resends)
        val payload = leases.encoding { encode(chunk) }
        if (fits(payload)) return listOf(Leased(payload, leases, chunk.size))
        leases.release()
        if (chunk.size == 1) throw frameLimitExceeded("an item for $what", payload)
        val half = chunk.size / 2
        return encodeAll(listOf(chunk.subList(0, half), chunk.subList(half, chunk.size))) { encodeFitting(it, what, encode) }
    }

    /** Encodes each of [parts]; when one fails, lets go of the leases of those encoded before it. */
    private fun <T> encodeAll(parts: List<T>, encode: (T) -> List<Leased>): List<Leased> {
        val encoded = ArrayList<Leased>(parts.size)
        try {
            for (part in parts) encoded += encode(part)
        } catch (e: Throwable) {
            encoded.forEach { it.leases.release() }
            throw e
        }
        return encoded
    }

    private fun fits(payload: Payload): Boolean = payload.size <= maxFrameSize.toLong() - Payload.ENVELOPE_BYTES

    private fun frameLimitExceeded(what: String, payload: Payload) = EncodingFailure(
        "$what encodes to ${payload.size} bytes, over maxFrameSize ($maxFrameSize bytes, of which ${Payload.ENVELOPE_BYTES} " +
            "are kept for the message around it)",
    )

    /** Submits [parts] in order; if one is refused, the ones before it are cancelled and the rest let go. */
    private fun submitAll(parts: List<Leased>): List<WorkItem> {
        val work = ArrayList<WorkItem>(parts.size)
        try {
            for (part in parts) work += submitLeased(part, taskTimeout)
        } catch (e: Throwable) {
            work.forEach { it.cancel() }
            for (index in work.size + 1 until parts.size) parts[index].leases.release()
            throw e
        }
        return work
    }

    /** Awaits [work] in order, gathering the decoded chunks into one list; on failure or cancellation the rest is cancelled. */
    @Suppress("UNCHECKED_CAST")
    private suspend fun <R> collectInOrder(
        work: List<WorkItem>,
        sizes: List<Int>,
        total: Int,
        progress: ((completed: Int, total: Int) -> Unit)?,
        decode: (index: Int, bytes: ByteArray) -> List<*>,
    ): List<R> {
        val completed = AtomicInteger()
        if (progress != null) {
            progress(0, total)
            work.forEachIndexed { index, item ->
                item.result.invokeOnCompletion { error ->
                    if (error == null) progress(completed.addAndGet(sizes[index]), total)
                }
            }
        }
        val results = ResultCollector(total)
        try {
            work.forEachIndexed { index, item -> results.add(decode(index, item.await())) }
        } catch (e: Throwable) {
            work.forEach { it.cancel() }
            throw e
        }
        return results.result() as List<R>
    }

    /** Submits [part] as an item whose completion releases its leases (at once when it is refused). */
    private fun submitLeased(part: Leased, timeout: Duration?): WorkItem {
        val item = try {
            submit(part.payload, timeout)
        } catch (e: Throwable) {
            part.leases.release()
            throw e
        }
        if (!part.leases.isEmpty) item.result.invokeOnCompletion { part.leases.release() }
        return item
    }

    /** [function] encoded once, for every chunk of a map. */
    private fun encodeFunction(function: Any, shape: FunctionShape): ByteArray =
        encoding(shape.type.name) { WireCodec.encode(shape.functionSerializer, function) }

    private fun chunkSize(total: Int, requested: Int): Int {
        require(requested >= 0) { "chunkSize must be positive, or 0 for the default: $requested" }
        if (requested > 0) return requested
        // Python's default: about four chunks per worker.
        return maxOf(1, (total + parallelism * 4 - 1) / (parallelism * 4))
    }

    /** Decodes a result of [item]; one that does not decode is the worker's protocol failure. */
    private inline fun decodeWith(item: WorkItem, decode: () -> Any?): Any? = try {
        decode()
    } catch (e: kotlinx.serialization.SerializationException) {
        throw WorkerFailure.Protocol(item.workerName, item.workerPid, "the result from ${item.ranOn} does not decode: ${e.message}", e)
    }
}
