package dev.coproc

import dev.coproc.internal.codec.MessageCodec
import dev.coproc.internal.manager.ManagerWire
import dev.coproc.internal.blockingCall
import kotlin.time.Duration
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable

/**
 * A FIFO queue owned by a [Manager] and shared by every process holding this proxy: Python's
 * `Manager().Queue()`, and the manager's [SharedQueue]. Unlike the shared-memory [Queue], it can be reached
 * from another machine (a manager on TCP); each put and get is one round trip to the manager.
 *
 * A waiting [get] or [put] waits in the manager, not here: the caller's coroutine is suspended, and other
 * calls of this process go on meanwhile. A cancelled [get] takes nothing: an item the manager had already
 * handed to it goes back to the head of the queue. [tryPut], [tryGet], [size], [capacity], [isEmpty],
 * [isShutdown] and [shutdown] do not wait: each is one round trip that blocks the calling thread for its
 * length, as on a cluster.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable(with = ManagedQueueSerializer::class)
public open class ManagedQueue<T> internal constructor(
    internal val ref: ManagedRef,
    @get:JvmSynthetic internal val itemSerializer: KSerializer<T>,
) : SharedQueue<T> {
    private val items = MessageCodec(itemSerializer)

    // Read when first asked, not when a task decodes the handle: most tasks never ask.
    override val capacity: Int by lazy { blockingCall { ManagerWire.int(ref.call("capacity").single()) } }

    override val size: Int get() = blockingCall { ManagerWire.int(ref.call("size").single()) }

    /** True when no item is in the queue now. */
    public val isEmpty: Boolean get() = size == 0

    /** True once any process [shut the queue down][shutdown]. */
    public val isShutdown: Boolean get() = blockingCall { ManagerWire.boolean(ref.call("isShutdown").single()) }

    /**
     * Puts [item], waiting up to [timeout] for room when the queue is bounded and full.
     *
     * @throws QueueFullException when it stayed full for [timeout]
     * @throws QueueShutdownException when the queue is shut down
     */
    override suspend fun put(item: T, timeout: Duration) {
        if (!putWithin(item, timeout)) throw QueueFullException(-1)
    }

    /** Puts [item] if there is room now; false when the queue is full. [QueueShutdownException] as [put]. */
    override fun tryPut(item: T): Boolean = blockingCall { putWithin(item, Duration.ZERO) }

    private suspend fun putWithin(item: T, timeout: Duration): Boolean =
        ManagerWire.boolean(ref.waitingCall("put", items.encode(item), ManagerWire.of(ManagedRef.millis(timeout))).single())

    /**
     * Takes the first item, waiting up to [timeout] for one.
     *
     * @throws QueueEmptyException when none came within [timeout]
     * @throws QueueShutdownException when the queue is shut down and empty
     * @throws MessageDecodingException when the item does not decode as [T] (its bytes travel with the
     *   exception); it is not taken: it goes back to the head of the queue
     */
    override suspend fun get(timeout: Duration): T {
        val item = takeWithin(timeout) ?: throw QueueEmptyException()
        return decodeOrGiveBack(item)
    }

    /**
     * The first item if there is one now, else null.
     *
     * @throws MessageDecodingException as [get] does
     */
    override fun tryGet(): T? = blockingCall { takeWithin(Duration.ZERO)?.let { decodeOrGiveBack(it) } }

    /**
     * Ends the input for every process (Python 3.13's `Queue.shutdown()`): puts fail from now on with
     * [QueueShutdownException], getters drain what is left, then fail with it too.
     */
    public fun shutdown() {
        blockingCall { ref.call("shutdown") }
    }

    /** Decodes a taken item; one that does not decode goes back to the head of the queue, for a reader of its type. */
    private suspend fun decodeOrGiveBack(item: ByteArray): T = try {
        items.decodeMessage(item)
    } catch (e: MessageDecodingException) {
        withContext(NonCancellable) { ref.call("unget", item) }
        throw e
    }

    private suspend fun takeWithin(timeout: Duration): ByteArray? =
        ref.waitingCall("get", ManagerWire.of(ManagedRef.millis(timeout))) { taken -> taken.firstOrNull()?.let { ref.call("unget", it) } }.firstOrNull()

    override fun toString(): String = ref.describe(javaClass.simpleName)
}

/**
 * A [ManagedQueue] that counts unfinished items: every put adds one, [taskDone] removes one, and [join] waits
 * until none is left. Python's `Manager().JoinableQueue()`.
 */
@Serializable(with = ManagedJoinableQueueSerializer::class)
public class ManagedJoinableQueue<T> internal constructor(ref: ManagedRef, itemSerializer: KSerializer<T>) : ManagedQueue<T>(ref, itemSerializer) {
    /**
     * Marks one item taken from the queue as processed.
     *
     * @throws IllegalStateException when called more times than items were put
     */
    public suspend fun taskDone() {
        ref.call("taskDone")
    }

    /** Waits until every item put has been marked done by [taskDone]. */
    public suspend fun join() {
        ref.waitingCall("join")
    }

    /** Items put and not yet marked done. */
    public suspend fun unfinished(): Int = ManagerWire.int(ref.call("unfinished").single())
}

internal class ManagedQueueSerializer<T>(items: KSerializer<T>) :
    ManagedProxySerializer<ManagedQueue<T>>("dev.coproc.ManagedQueue", listOf(items), { ManagedQueue(it, items) }, { it.ref })

internal class ManagedJoinableQueueSerializer<T>(items: KSerializer<T>) :
    ManagedProxySerializer<ManagedJoinableQueue<T>>("dev.coproc.ManagedJoinableQueue", listOf(items), { ManagedJoinableQueue(it, items) }, { it.ref })
