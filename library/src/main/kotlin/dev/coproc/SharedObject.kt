package dev.coproc

import dev.coproc.internal.DecodedHandles
import dev.coproc.internal.HandOver
import dev.coproc.internal.SequenceWaiter
import dev.coproc.os.FdSharer
import dev.coproc.shm.Bell
import dev.coproc.shm.SharedMemory
import dev.coproc.shm.SharedSegment
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.SerializationException
import kotlinx.serialization.cbor.ByteString
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder

/**
 * A handle on an object living in shared memory: a shared value or array, or a lock, semaphore, event,
 * condition or barrier. Every process holding a handle on the same object sees the same object.
 *
 * A handle crosses to another process as a task's or a process's argument, pool tasks included (it travels
 * as a descriptor, never by a name another user could open). Each process [close]s its own handle when done;
 * a handle decoded in a pool task is closed when the task ends. The memory is freed when the last process
 * holding it closed it or ended, however it ended: nothing can be left behind in `/dev/shm`, not even after
 * a SIGKILL, because there is no name there to leave.
 */
public sealed class SharedObject(internal val segment: SharedSegment) : AutoCloseable {
    private val handOver = HandOver()
    private val waiters = CopyOnWriteArrayList<SequenceWaiter>()
    @Volatile private var closed = false

    /** True once this process's handle was closed. */
    public val isClosed: Boolean get() = closed

    /**
     * Closes this process's handle: its waiting threads stop, its descriptor closes. The object lives on in the
     * processes still holding it. Calls on a closed handle fail with [IllegalStateException], and so do this
     * handle's waits in progress. Idempotent.
     */
    override fun close() {
        if (closed) return
        closed = true
        waiters.forEach { it.stop() }
        handOver.release()
        segment.close()
    }

    internal fun checkOpen() {
        check(!closed) { "this ${this::class.simpleName} handle was closed" }
    }

    /** This process's waiter on [bell]: one thread per bell, started on the first wait that has to sleep. */
    internal fun waiter(bell: Bell, name: String, idleNanos: Long = IDLE_CHECK_NANOS, onIdle: () -> Unit = {}): Lazy<SequenceWaiter> =
        lazy { SequenceWaiter.of(bell, name, idleNanos, onIdle).also { waiters += it; if (closed) it.stop() } }

    internal fun ticketForHandOver(): FdSharer.Grant {
        checkOpen()
        return handOver.ticket(this) { segment.memory().duplicate() }
    }

    internal companion object {
        /** How often a long wait looks for what a dead process left (a dead lock owner, a dead barrier party). */
        const val IDLE_CHECK_NANOS = 20_000_000L
    }
}

/** What crosses to another process in place of a shared object: where to fetch its memory. */
@Serializable
internal class SegmentHandle(val sharer: String, @ByteString val secret: ByteArray)

internal fun SharedObject.encodeHandle(): SegmentHandle {
    val ticket = ticketForHandOver()
    return SegmentHandle(ticket.path(), ticket.secret())
}

/** Maps the segment a [handle] names, checking that it holds a [kind]. */
internal fun SegmentHandle.open(kind: Int, what: String): SharedSegment {
    val fd = HandOver.fetch(sharer, secret, what)
    return try {
        SharedSegment.open(SharedMemory.adopt(fd), kind)
    } catch (e: IllegalStateException) {
        throw SerializationException("the $what handed over is not one: ${e.message}", e)
    }
}

/**
 * Encodes a shared object as a [SegmentHandle]; decoding maps the same memory. A handle decoded while a
 * task's arguments are read belongs to that task.
 */
internal abstract class SharedObjectSerializer<T : SharedObject>(
    serialName: String,
    private val kind: Int,
    private val what: String,
    private val open: (SharedSegment) -> T,
) : KSerializer<T> {
    override val descriptor: SerialDescriptor = SerialDescriptor(serialName, SegmentHandle.serializer().descriptor)

    override fun serialize(encoder: Encoder, value: T) =
        encoder.encodeSerializableValue(SegmentHandle.serializer(), value.encodeHandle())

    override fun deserialize(decoder: Decoder): T {
        val handle = decoder.decodeSerializableValue(SegmentHandle.serializer())
        return open(handle.open(kind, what)).also { DecodedHandles.adopt(it) }
    }
}
