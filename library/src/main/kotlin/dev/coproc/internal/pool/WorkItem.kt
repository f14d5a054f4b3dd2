package dev.coproc.internal.pool

import dev.coproc.internal.codec.EncodedTask
import dev.coproc.internal.codec.FromWorker
import dev.coproc.internal.codec.ToWorker
import dev.coproc.internal.channel.WorkerFailure
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.channels.SendChannel

/** What one message to a pool worker carries: a task, a chunk of tasks, or a chunk of items for a function. */
internal sealed interface Payload {
    fun message(id: Long, workerName: String): ToWorker

    /**
     * At least the size of the encoded [message], less [ENVELOPE_BYTES]: the bytes and names it carries (a
     * name's UTF-8 form is at most three bytes a character).
     */
    val size: Long

    /** Part of a map: may be sent to a worker ahead of time, to wait there behind the chunk it runs. */
    val isChunk: Boolean get() = this !is Single

    class Single(private val task: EncodedTask) : Payload {
        override val size: Long get() = task.bytes.size + 3L * task.typeName.length
        override fun message(id: Long, workerName: String) = task.runMessage(id, workerName)
    }

    class Tasks(private val typeName: String, private val tasks: ByteArray) : Payload {
        override val size: Long get() = tasks.size + 3L * typeName.length
        override fun message(id: Long, workerName: String) = ToWorker.RunTasks(id, workerName, typeName, tasks)
    }

    class Chunk(private val functionType: String, private val function: ByteArray, private val items: ByteArray) : Payload {
        override val size: Long get() = items.size + function.size + 3L * functionType.length
        override fun message(id: Long, workerName: String) = ToWorker.Map(id, workerName, functionType, function, items)
    }

    companion object {
        /**
         * What a message adds to its [size]: CBOR's field names, ids, flags and length prefixes, and the worker's
         * name (`PoolWorker-N`): under 200 bytes, with room to spare.
         */
        const val ENVELOPE_BYTES = 512
    }
}

/**
 * One unit of pool work, from the caller's submit to its result. Queued, then claimed by exactly one worker
 * slot (or cancelled before that); a retried item goes back to the queue.
 */
internal class WorkItem(val id: Long, val payload: Payload, val timeout: Duration?, var retriesLeft: Int) {
    /**
     * The encoded result, or the failure: a public exception (an engine's own) or an internal one
     * ([WorkerFailure], [PoolFailure]) that the public side converts when it awaits the result.
     */
    val result = CompletableDeferred<ByteArray>()

    /** Completed when the caller gives up on a running item, so the slot can cancel it in the worker. */
    val cancelRequest = CompletableDeferred<Unit>()

    /** Rung after a [cancelRequest]: the bell of the slot that runs this item, which sleeps on it. */
    @Volatile
    var cancelBell: SendChannel<Unit>? = null

    private val state = AtomicInteger(QUEUED)

    /** The name of the worker that ran it, for errors. */
    @Volatile
    var workerName: String = "no worker"
        private set

    /** The pid of that worker; 0 before it ran. */
    @Volatile
    var workerPid: Long = 0
        private set

    /** The worker that ran it, as error messages name it. */
    val ranOn: String get() = if (workerPid == 0L) workerName else "$workerName (pid $workerPid)"

    /** Records the worker that runs this item. */
    fun runsOn(name: String, pid: Long) {
        workerName = name
        workerPid = pid
    }

    /** Claims a queued item for running; false when it was cancelled or already taken. */
    fun claim(): Boolean = state.compareAndSet(QUEUED, RUNNING)

    /** Puts a claimed item back in the queued state (a retry). */
    fun unclaim() = state.set(QUEUED)

    /** Suspends for the result; cancelling the caller cancels the item. */
    suspend fun await(): ByteArray = try {
        result.await()
    } catch (e: CancellationException) {
        cancel()
        throw e
    }

    /** A queued item is dropped at once; a running one is cancelled in its worker. */
    fun cancel() {
        if (state.compareAndSet(QUEUED, CANCELLED)) {
            result.cancel()
        } else {
            cancelRequest.complete(Unit)
            cancelBell?.trySend(Unit)
        }
    }

    fun succeed(bytes: ByteArray) = result.complete(bytes)

    /** Completes this item with [reply], the answer of [workerName] (pid [pid]) to it: the one place a reply does. */
    fun answer(reply: FromWorker, workerName: String, pid: Long) {
        when (reply) {
            is FromWorker.Succeeded -> succeed(reply.result)
            is FromWorker.Failed -> fail(WorkerFailure.Remote(workerName, pid, reply.error))
            is FromWorker.Cancelled -> fail(CancellationException("cancelled in $workerName"))
            is FromWorker.Started -> Unit
        }
    }

    fun fail(error: Throwable) = result.completeExceptionally(error)

    private companion object {
        const val QUEUED = 0
        const val RUNNING = 1
        const val CANCELLED = 2
    }
}
