package dev.coproc

import dev.coproc.codec.EncodedTask
import dev.coproc.codec.FunctionShape
import dev.coproc.codec.IntProgressionList
import dev.coproc.codec.LongProgressionList
import dev.coproc.codec.ResultCollector
import dev.coproc.codec.TaskTypeException
import dev.coproc.codec.TaskTypes
import dev.coproc.codec.WireCodec
import dev.coproc.internal.handles.Leases
import dev.coproc.internal.pool.Payload
import dev.coproc.internal.pool.WorkItem
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.selects.select
import kotlinx.serialization.KSerializer
import kotlinx.serialization.builtins.ListSerializer

/**
 * The engine-neutral half of a pool: tasks and map chunks encoded into [Payload]s, handed to [submit], and
 * the results decoded, gathered in order or streamed. The local pool submits to its worker processes, the
 * cluster pool to cluster nodes; both keep the same contract because both go through here, and both are this
 * [Pool] by delegation, with their states kept by the [lifecycle].
 *
 * [parallelism] sizes the default chunks (about four per worker, as Python) and the window of chunks a
 * streaming map keeps in flight. [maxFrameSize] is the largest message the engine carries: a task over it fails
 * here, typed, and a map chunk over it is split.
 *
 * The handles a task or chunk carries are [Leases] held until its item completes (done, failed, cancelled or
 * dropped by a terminate); a map's function's, until the whole map ends. [resends]: the engine may send an
 * item again after a fetch (a retry on another worker, a job failed over), so its leases must stay fetchable.
 */
internal class PoolFront(
    private val parallelism: Int,
    private val taskTimeout: Duration?,
    private val scope: CoroutineScope,
    val lifecycle: PoolLifecycle,
    private val maxFrameSize: Int = Int.MAX_VALUE,
    private val resends: Boolean = true,
) : Pool {
    override fun close() = lifecycle.close()

    override fun terminate() = lifecycle.terminate()

    override suspend fun join() = lifecycle.join()

    override suspend fun <R> apply(task: Task<R>, timeout: Duration?): R {
        val leases = Leases(resends)
        val encoded = leases.encoding { EncodedTask.of(task) }
        val item = submitLeased(single(encoded, leases), timeout ?: taskTimeout)
        return decodeResult(item, encoded.resultSerializer, item.outcome())
    }

    override fun <R> applyAsync(task: Task<R>, timeout: Duration?): Deferred<R> {
        val leases = Leases(resends)
        val encoded = leases.encoding { EncodedTask.of(task) }
        val item = submitLeased(single(encoded, leases), timeout ?: taskTimeout)
        return scope.async { decodeResult(item, encoded.resultSerializer, item.outcome()) }
    }

    /** [encoded] as the payload of one task, with its [leases]; over the frame limit, it fails here. */
    private fun single(encoded: EncodedTask, leases: Leases): Leased {
        val payload = Payload.Single(encoded)
        if (!fits(payload)) {
            leases.release()
            throw frameLimitExceeded("task ${encoded.typeName}", payload)
        }
        return Leased(payload, leases, 1)
    }

    override suspend fun <T, R> map(
        items: Iterable<T>,
        function: TaskFunction<T, R>,
        chunkSize: Int,
        onProgress: ((Progress) -> Unit)?,
    ): List<R> = mapChunks(items, function, chunkSize, onProgress)

    override suspend fun <A, B, R> starmap(
        items: Iterable<Pair<A, B>>,
        function: TaskFunction2<A, B, R>,
        chunkSize: Int,
        onProgress: ((Progress) -> Unit)?,
    ): List<R> = mapChunks(items, function, chunkSize, onProgress)

    @Suppress("UNCHECKED_CAST")
    override suspend fun <R> map(tasks: Iterable<Task<R>>, chunkSize: Int, onProgress: ((Progress) -> Unit)?): List<R> {
        val all = tasks.toList()
        val size = chunkSize(all.size, chunkSize)
        // A chunk holds tasks of one class, so that one list serializer encodes it.
        val chunks = mutableListOf<List<Task<R>>>()
        for (task in all) {
            val last = chunks.lastOrNull()
            if (last != null && last.size < size && last[0].javaClass == task.javaClass) (last as MutableList<Task<R>>) += task
            else chunks += mutableListOf(task)
        }
        val resultLists = ArrayList<KSerializer<*>>()
        val encoded = encodeAll(chunks) { chunk ->
            val type = chunk[0].javaClass
            val (taskSerializer, resultSerializer) = encodingErrors(type.name) {
                TaskTypes.taskSerializer(type) to TaskTypes.resultSerializer(type)
            }
            encodeFitting(chunk, "task ${type.name}") { part ->
                Payload.Tasks(type.name, encodingErrors(type.name) { WireCodec.encode(ListSerializer(taskSerializer), part) })
            }.also { parts -> repeat(parts.size) { resultLists += ListSerializer(resultSerializer) } }
        }
        val work = submitAll(encoded)
        return collectInOrder(work, encoded.map { it.count }, all.size, onProgress) { index, bytes ->
            decodeResult<List<R>>(work[index], resultLists[index], bytes)
        }
    }

    override fun <T, R> imap(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int): Flow<R> =
        streamChunks(items, function, chunkSize, ordered = true)

    override fun <T, R> imapUnordered(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int): Flow<R> =
        streamChunks(items, function, chunkSize, ordered = false)

    private suspend fun <R> mapChunks(items: Iterable<*>, function: Any, chunkSize: Int, onProgress: ((Progress) -> Unit)?): List<R> {
        val all = when (items) {
            is List<*> -> items
            is IntProgression -> IntProgressionList(items)
            is LongProgression -> LongProgressionList(items)
            else -> items.toList()
        }
        // Every chunk carries the function, decoded with it: its handles are fetched once per chunk.
        val functionLeases = Leases(reusable = true)
        val (shape, functionBytes) = functionLeases.encoding { encodeFunction(function) }
        try {
            val size = chunkSize(all.size, chunkSize)
            // Views, not copies: a million boxed items are expensive enough for the garbage collector once.
            val chunks = encodeAll((all.indices step size).map { from -> all.subList(from, minOf(from + size, all.size)) }) { chunk ->
                encodeFitting(chunk, "map function ${function.javaClass.name}") { part ->
                    Payload.Chunk(shape.type.name, functionBytes, encodingErrors(function.javaClass.name) { shape.encodeItems(part) })
                }
            }
            val work = submitAll(chunks)
            return collectInOrder(work, chunks.map { it.count }, all.size, onProgress) { index, bytes ->
                decodeWith(work[index]) { shape.decodeResults(bytes) } as List<*>
            }
        } finally {
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

    private fun frameLimitExceeded(what: String, payload: Payload) = TaskEncodingException(
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
        onProgress: ((Progress) -> Unit)?,
        decode: (index: Int, bytes: ByteArray) -> List<*>,
    ): List<R> {
        val completed = AtomicInteger()
        if (onProgress != null) {
            onProgress(Progress(0, total))
            work.forEachIndexed { index, item ->
                item.result.invokeOnCompletion { error ->
                    if (error == null) onProgress(Progress(completed.addAndGet(sizes[index]), total))
                }
            }
        }
        val results = ResultCollector(total)
        try {
            work.forEachIndexed { index, item -> results.add(decode(index, item.outcome())) }
        } catch (e: Throwable) {
            work.forEach { it.cancel() }
            throw e
        }
        return results.result() as List<R>
    }

    private fun <T, R> streamChunks(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int, ordered: Boolean): Flow<R> = flow {
        require(chunkSize >= 1) { "chunkSize must be at least 1, not $chunkSize" }
        val functionLeases = Leases(reusable = true)
        val (shape, functionBytes) = functionLeases.encoding { encodeFunction(function) }
        val chunks = items.asSequence().chunked(chunkSize).iterator()
        val window = parallelism * 2
        val inFlight = ArrayDeque<WorkItem>()
        try {
            while (true) {
                while (inFlight.size < window && chunks.hasNext()) {
                    val parts = encodeFitting(chunks.next(), "map function ${function.javaClass.name}") { part ->
                        Payload.Chunk(shape.type.name, functionBytes, encodingErrors(function.javaClass.name) { shape.encodeItems(part) })
                    }
                    inFlight += submitAll(parts)
                }
                if (inFlight.isEmpty()) break
                val done = if (ordered) inFlight.first() else select { inFlight.forEach { item -> item.result.onJoin { item } } }
                inFlight.remove(done)
                val bytes = done.outcome()
                @Suppress("UNCHECKED_CAST")
                val results = decodeWith(done) { shape.decodeResults(bytes) } as List<R>
                for (result in results) emit(result)
            }
        } finally {
            inFlight.forEach { it.cancel() }
            functionLeases.release()
        }
    }

    /** Submits [part] as an item whose completion releases its leases (at once when it is refused). */
    private fun submitLeased(part: Leased, timeout: Duration?): WorkItem {
        val item = try {
            lifecycle.submit(part.payload, timeout)
        } catch (e: Throwable) {
            part.leases.release()
            throw e
        }
        if (!part.leases.isEmpty) item.result.invokeOnCompletion { part.leases.release() }
        return item
    }

    /** The shape of [function]'s class and the function encoded once, for every chunk of a map. */
    private fun encodeFunction(function: Any): Pair<FunctionShape, ByteArray> = encodingErrors(function.javaClass.name) {
        val shape = FunctionShape.of(function.javaClass)
        shape to WireCodec.encode(shape.functionSerializer, function)
    }

    private fun chunkSize(total: Int, requested: Int): Int {
        require(requested >= 0) { "chunkSize must be positive, or 0 for the default: $requested" }
        if (requested > 0) return requested
        // Python's default: about four chunks per worker.
        return maxOf(1, (total + parallelism * 4 - 1) / (parallelism * 4))
    }

    /** The item's encoded result; a failure the engine reported in internal terms is thrown as its public exception. */
    private suspend fun WorkItem.outcome(): ByteArray = try {
        await()
    } catch (e: Exception) {
        throw e.toPublic()
    }

    @Suppress("UNCHECKED_CAST")
    private fun <R> decodeResult(item: WorkItem, serializer: KSerializer<*>, bytes: ByteArray): R =
        decodeWith(item) { WireCodec.decode(serializer, bytes) } as R

    private fun decodeWith(item: WorkItem, decode: () -> Any?): Any? = try {
        decode()
    } catch (e: kotlinx.serialization.SerializationException) {
        throw ProtocolException(item.workerName, item.workerPid, "the result from ${item.ranOn} does not decode: ${e.message}", e)
    }

    private inline fun <T> encodingErrors(what: String, block: () -> T): T = try {
        block()
    } catch (e: TaskTypeException) {
        throw TaskEncodingException("cannot send $what: ${e.message}", e)
    } catch (e: kotlinx.serialization.SerializationException) {
        throw TaskEncodingException("cannot encode $what: ${e.message}", e)
    }
}
