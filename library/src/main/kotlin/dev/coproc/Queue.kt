package dev.coproc

import dev.coproc.internal.codec.MessageCodec
import dev.coproc.internal.SequenceWaiter
import dev.coproc.internal.awaitCondition
import dev.coproc.internal.spinUntil
import dev.coproc.internal.handles.DescriptorGrant
import dev.coproc.internal.handles.HandOver
import dev.coproc.internal.handles.HandleSerializer
import dev.coproc.internal.shm.QueueRing
import kotlin.time.Duration
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.serializer

/** A queue's default capacity: no limit on the number of items. */
public const val UNBOUNDED: Int = Int.MAX_VALUE

/**
 * A queue's default buffer: up to 1 GiB of encoded items waiting. It is address space, not memory: the
 * system gives memory to the pages items are written to, and takes it back, a MiB at a time, once the
 * consumers are past them. So a queue holds what is waiting in it, as Python's does, and `put` on an
 * unbounded queue waits only if a whole GiB is waiting.
 */
public const val DEFAULT_QUEUE_BUFFER_BYTES: Int = 1024 * 1024 * 1024

/**
 * A first-in first-out queue of [T] shared by any number of processes, each of which may put and get.
 * Python's `multiprocessing.Queue`, as a suspending API.
 *
 * Items live in shared memory (a ring in a `memfd`, so nothing is ever left in `/dev/shm`; see
 * [DEFAULT_QUEUE_BUFFER_BYTES] for what it costs); an item is
 * encoded in [put], on the caller's thread, so an item that cannot be encoded fails there with nothing put.
 * Items from one producer come out in the order it put them. [get] and [put] suspend, never blocking a
 * thread: a waiting call is woken through a futex by the process that changed the queue.
 *
 * **Under faults**: a producer or consumer killed by SIGKILL, even in the middle of [put] or [get], never
 * leaves the queue locked for the others, and loses or doubles no other process's item: its own item is put
 * or not, taken or left for the others, as a whole. (An item a consumer had taken is gone with it, as it
 * would be a moment after [get] returned.)
 *
 * **Shutting down**: [shutdown] ends the input for every process; consumers still get what is left, then
 * [QueueShutdownException], and [asFlow] completes: no per-consumer sentinel needed.
 *
 * A queue is a handle: pass it in a task's or a process's arguments, pool tasks included, and the other
 * process uses the same queue. Each process [close]s its handle when done with the queue (a pool task's
 * handles are closed when the task ends); the memory goes when the last process closed it or exited.
 */
@Serializable(with = QueueSerializer::class)
public open class Queue<T> internal constructor(
    internal val ring: QueueRing,
    internal val serializer: KSerializer<T>,
) : SharedQueue<T>, AutoCloseable {
    private val codec = MessageCodec(serializer)
    private val notEmpty = SequenceWaiter.of(ring, QueueRing.NOT_EMPTY, "not-empty")
    private val notFull = SequenceWaiter.of(ring, QueueRing.NOT_FULL, "not-full")
    internal val allDone = SequenceWaiter.of(ring, QueueRing.ALL_DONE, "all-done")
    private val handOver = HandOver()
    @Volatile private var released = false

    /** The most items the queue holds, or [UNBOUNDED]. */
    override val capacity: Int get() = ring.capacity().toInt()

    /** Items in the queue now (a snapshot: other processes change it). */
    override val size: Int get() = ring.size().toInt()

    /** True when no item is in the queue now. */
    public val isEmpty: Boolean get() = ring.size() == 0L

    /** True when the queue holds [capacity] items now. */
    public val isFull: Boolean get() = ring.size() >= ring.capacity()

    /** True once any process [shut the queue down][shutdown]. */
    public val isShutdown: Boolean get() = ring.isClosed

    /**
     * The largest encoded item the queue takes: its buffer (`bufferBytes` as rounded) less 8 bytes. Such an
     * item goes in as soon as the queue is empty, and a smaller one whenever that many buffer bytes are free;
     * a larger one fails at once with [QueueItemTooLargeException].
     */
    public val maxItemBytes: Int get() = ring.maxMessageBytes()

    /**
     * Puts [item] at the end, waiting up to [timeout] for room.
     *
     * @throws QueueFullException when the queue stayed full for [timeout]
     * @throws QueueShutdownException when the queue is shut down
     * @throws QueueItemTooLargeException when the encoded item is over [maxItemBytes] (nothing is put)
     */
    override suspend fun put(item: T, timeout: Duration) {
        val bytes = encode(item)
        // The usual case first, in a plain call: a suspend function that only tail-calls makes no
        // continuation, which is a large part of a put's cost in a worker's quick-start compiler.
        if (offer(bytes)) return
        putWaiting(bytes, timeout)
    }

    private suspend fun putWaiting(bytes: ByteArray, timeout: Duration) {
        if (timeout == Duration.INFINITE) {
            putBytes(bytes)
        } else {
            withTimeoutOrNull(timeout) { putBytes(bytes) } ?: throw QueueFullException(capacity)
        }
    }

    /** Puts [item] if there is room now; false when the queue is full. [QueueItemTooLargeException] as [put]. */
    override fun tryPut(item: T): Boolean = offer(encode(item))

    /** Puts [item] if there is room now (Python's `put_nowait`); throws [QueueFullException] when full. */
    public fun putNowait(item: T) {
        if (!tryPut(item)) throw QueueFullException(capacity)
    }

    /**
     * Takes the first item, waiting up to [timeout] for one.
     *
     * @throws QueueEmptyException when none came within [timeout]
     * @throws QueueShutdownException when the queue is shut down and empty
     * @throws MessageDecodingException when the item does not decode as [T] (it is taken; its bytes travel with the exception)
     */
    override suspend fun get(timeout: Duration): T {
        checkUsable()
        // As in put: the usual case without a continuation.
        val ready = ring.get()
        if (ready != null) return decode(ready)
        return getWaiting(timeout)
    }

    private suspend fun getWaiting(timeout: Duration): T {
        val bytes = if (timeout == Duration.INFINITE) takeBytes() else withTimeoutOrNull(timeout) { takeBytes() } ?: throw QueueEmptyException()
        return decode(bytes)
    }

    /** The first item if there is one now, else null (for a queue of nullable items, use [getNowait]). */
    override fun tryGet(): T? {
        checkUsable()
        val bytes = ring.get() ?: return null
        return decode(bytes)
    }

    /**
     * The first item if there is one now (Python's `get_nowait`).
     *
     * @throws QueueEmptyException when the queue is empty and open
     * @throws QueueShutdownException when it is empty and shut down
     */
    public fun getNowait(): T {
        checkUsable()
        val bytes = ring.get() ?: throw if (ring.isClosed) QueueShutdownException(drained = true) else QueueEmptyException()
        return decode(bytes)
    }

    /** The items as a [Flow] that takes them one by one and completes once the queue is shut down and drained. */
    public fun asFlow(): Flow<T> = flow {
        while (true) {
            val item = try {
                get()
            } catch (e: QueueShutdownException) {
                break
            }
            emit(item)
        }
    }

    /**
     * Ends the input for every process (Python 3.13's `Queue.shutdown()`): puts fail from now on with
     * [QueueShutdownException], getters drain what is left, then fail with it too, and [asFlow] completes.
     * Unlike [close], which lets go of this process's handle only, it acts on the queue itself.
     */
    public fun shutdown() {
        checkUsable()
        ring.close()
    }

    /**
     * Releases this process's handle: its waiting threads stop and its descriptor closes (in the creating
     * process, also the one kept for handles still on their way to other processes, once they arrived).
     * The queue lives on in the processes that still hold it. Calls on a closed handle fail, and so do this
     * handle's calls still waiting (with [IllegalStateException]). Closing it again does nothing.
     */
    override fun close() {
        if (released) return
        released = true
        notEmpty.stop()
        notFull.stop()
        allDone.stop()
        handOver.release()
        ring.memory().close()
    }

    private suspend fun putBytes(bytes: ByteArray) {
        while (true) {
            if (offer(bytes)) return
            ring.recoverAbandoned()
            // Full by count or by bytes: wait until this item would fit.
            ring.awaitCondition(QueueRing.NOT_FULL, notFull) { ring.hasRoomFor(bytes.size) || ring.isClosed }
        }
    }

    private fun offer(bytes: ByteArray): Boolean {
        checkUsable()
        if (bytes.size > ring.maxMessageBytes()) throw QueueItemTooLargeException(bytes.size, ring.maxMessageBytes())
        return when (ring.put(bytes, 0, bytes.size)) {
            QueueRing.PUT -> true
            QueueRing.CLOSED -> throw QueueShutdownException(drained = false)
            else -> false
        }
    }

    private suspend fun takeBytes(): ByteArray {
        while (true) {
            checkUsable()
            ring.get()?.let { return it }
            if (ring.isClosed) {
                // Shut down: what was put before the shutdown is still taken, then the end.
                return ring.get() ?: throw QueueShutdownException(drained = true)
            }
            if (spinUntil(yielding = true) { ring.size() > 0 || ring.isClosed }) continue
            ring.recoverAbandoned()
            ring.awaitCondition(QueueRing.NOT_EMPTY, notEmpty) { ring.size() > 0 || ring.isClosed }
        }
    }

    private fun encode(item: T): ByteArray = codec.encode(item)

    private fun decode(bytes: ByteArray): T = codec.decodeMessage(bytes)

    internal fun checkUsable() {
        check(!released) { "this queue handle was closed" }
    }

    /** What crosses to another process in place of this queue: where to fetch its shared memory. */
    internal fun grant(): DescriptorGrant {
        checkUsable()
        return handOver.grant(this) { ring.memory().duplicate() }
    }

    override fun toString(): String = "${this::class.simpleName}(size $size" + (if (capacity != UNBOUNDED) ", capacity $capacity" else "") +
        (if (isShutdown) ", shut down" else "") + ")"

}

/**
 * A [Queue] that also counts the items not yet processed: each consumer calls [taskDone] once per item it
 * finished, and [join] waits until every item put was. Python's `JoinableQueue`.
 */
@Serializable(with = JoinableQueueSerializer::class)
public class JoinableQueue<T> internal constructor(ring: QueueRing, serializer: KSerializer<T>) : Queue<T>(ring, serializer) {
    /** Items put and not yet marked done. */
    public val unfinished: Int get() = ring.unfinished().toInt()

    /**
     * Marks one item taken from the queue as processed.
     *
     * @throws IllegalStateException when called more times than items were put, as Python's `ValueError`
     */
    public fun taskDone() {
        checkUsable()
        check(ring.taskDone()) { "taskDone() called more times than there were items put" }
    }

    /** Waits until every item put so far was marked done, at most [timeout]; false if the timeout came first. */
    public suspend fun join(timeout: Duration = Duration.INFINITE): Boolean {
        checkUsable()
        val done = suspend {
            while (ring.unfinished() > 0) ring.awaitCondition(QueueRing.ALL_DONE, allDone) { ring.unfinished() == 0L }
        }
        if (timeout == Duration.INFINITE) {
            done()
            return true
        }
        return withTimeoutOrNull(timeout) { done() } != null
    }
}

/**
 * A new queue of [T]; see [Queue]. [capacity] bounds the number of items, [bufferBytes] the encoded size of
 * the items waiting (rounded up to a multiple of 8, and to whole MiB above 4 MiB, so that consumed memory can
 * be given back). One item may take all of it but 8 bytes ([Queue.maxItemBytes]).
 */
public fun <T> Queue(serializer: KSerializer<T>, capacity: Int = UNBOUNDED, bufferBytes: Int = DEFAULT_QUEUE_BUFFER_BYTES): Queue<T> =
    Queue(createRing(capacity, bufferBytes), serializer)

/** A new queue of [T]; see [Queue]. */
public inline fun <reified T> Queue(capacity: Int = UNBOUNDED, bufferBytes: Int = DEFAULT_QUEUE_BUFFER_BYTES): Queue<T> =
    Queue(serializer<T>(), capacity, bufferBytes)

/** A new joinable queue of [T]; see [JoinableQueue]. */
public fun <T> JoinableQueue(serializer: KSerializer<T>, capacity: Int = UNBOUNDED, bufferBytes: Int = DEFAULT_QUEUE_BUFFER_BYTES): JoinableQueue<T> =
    JoinableQueue(createRing(capacity, bufferBytes), serializer)

/** A new joinable queue of [T]; see [JoinableQueue]. */
public inline fun <reified T> JoinableQueue(capacity: Int = UNBOUNDED, bufferBytes: Int = DEFAULT_QUEUE_BUFFER_BYTES): JoinableQueue<T> =
    JoinableQueue(serializer<T>(), capacity, bufferBytes)

private fun createRing(capacity: Int, bufferBytes: Int): QueueRing {
    require(capacity > 0) { "capacity must be positive: $capacity" }
    require(bufferBytes >= 64) { "bufferBytes must be at least 64: $bufferBytes" }
    val mib = 1024 * 1024
    val rounded = if (bufferBytes >= 4 * mib) ((bufferBytes.toLong() + mib - 1) / mib * mib).coerceAtMost(Int.MAX_VALUE.toLong() / mib * mib - mib) else ((bufferBytes + 7) and 7.inv()).toLong()
    return QueueRing.create(capacity.toLong(), rounded.toInt())
}

/**
 * A queue crosses as the grant of its shared memory; decoding maps the same memory. The receiving task
 * closes its handle when it ends.
 */
internal abstract class AnyQueueSerializer<Q : Queue<*>>(serialName: String) : HandleSerializer<Q, DescriptorGrant>(serialName, DescriptorGrant.serializer()) {
    override fun carry(handle: Q): DescriptorGrant = handle.grant()

    override fun rebuild(form: DescriptorGrant): Q = open(form.openRing("queue"))

    protected abstract fun open(ring: QueueRing): Q
}

internal class QueueSerializer<T>(private val itemSerializer: KSerializer<T>) : AnyQueueSerializer<Queue<T>>("dev.coproc.Queue") {
    override fun open(ring: QueueRing): Queue<T> = Queue(ring, itemSerializer)
}

internal class JoinableQueueSerializer<T>(private val itemSerializer: KSerializer<T>) : AnyQueueSerializer<JoinableQueue<T>>("dev.coproc.JoinableQueue") {
    override fun open(ring: QueueRing): JoinableQueue<T> = JoinableQueue(ring, itemSerializer)
}
