package dev.coproc.cluster

import dev.coproc.QueueEmptyException
import dev.coproc.QueueFullException
import dev.coproc.internal.handles.RemoteHandle
import dev.coproc.SharedQueue
import dev.coproc.UNBOUNDED
import dev.coproc.internal.codec.MessageCodec
import dev.coproc.decodeMessage
import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import kotlinx.serialization.KSerializer
import org.apache.ignite.IgniteQueue

/**
 * A [SharedQueue] held by the cluster (an Ignite queue with one backup copy, so its items survive a node's
 * death). Items are encoded by coproc's codec and cross as bytes: Ignite never deserializes one. Made by
 * [ClusterNode.queue].
 *
 * A [get] cancelled just as it took an item puts that item back at the end of the queue (Ignite takes from
 * the head only; on one machine, [dev.coproc.Queue] gives it back at the head), and a [put] cancelled in the
 * instant its item went in leaves it there.
 */
public class ClusterQueue<T> internal constructor(
    private val queue: IgniteQueue<ByteArray>,
    serializer: KSerializer<T>,
    internal val handle: RemoteHandle,
) : SharedQueue<T> {
    private val codec = MessageCodec(serializer)

    /** The name it was made with: the same name on any node is the same queue. */
    public val name: String get() = handle.name

    // Read when first asked, not when a task decodes the handle: most tasks never ask.
    override val capacity: Int by lazy {
        clusterCall("read queue \"$name\"") { if (queue.bounded()) queue.capacity() else UNBOUNDED }
    }

    override val size: Int get() = clusterCall("read queue \"$name\"") { queue.size }

    override suspend fun put(item: T, timeout: Duration) {
        val bytes = codec.encode(item)
        awaitInSlices("put in queue \"$name\"", timeout, { slice -> queue.offer(bytes, slice, TimeUnit.MILLISECONDS).takeIf { it } }) {}
            ?: throw QueueFullException(capacity)
    }

    override fun tryPut(item: T): Boolean {
        val bytes = codec.encode(item)
        return clusterCall("put in queue \"$name\"") { queue.offer(bytes) }
    }

    override suspend fun get(timeout: Duration): T {
        val bytes = awaitInSlices("get from queue \"$name\"", timeout, { slice -> queue.poll(slice, TimeUnit.MILLISECONDS) }) {
            queue.put(it)
        } ?: throw QueueEmptyException()
        return decode(bytes)
    }

    override fun tryGet(): T? = clusterCall("get from queue \"$name\"") { queue.poll() }?.let(::decode)

    /** Removes the queue and its items from the cluster, for every node. */
    public fun remove() {
        clusterCall("remove queue \"$name\"") { queue.close() }
    }

    override fun toString(): String = "ClusterQueue($name)"

    private fun decode(bytes: ByteArray): T = codec.decodeMessage(bytes)
}
