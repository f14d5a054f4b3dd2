package dev.coproc

import dev.coproc.internal.SequenceWaiter
import dev.coproc.internal.handles.DescriptorGrant
import dev.coproc.internal.handles.HandOver
import dev.coproc.internal.handles.HandleSerializer
import dev.coproc.internal.shm.Bell
import dev.coproc.internal.shm.SharedSegment
import java.util.concurrent.CopyOnWriteArrayList

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
public sealed class SharedObject(@get:JvmSynthetic internal val segment: SharedSegment) : AutoCloseable {
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

    @JvmSynthetic
    internal fun checkOpen() {
        check(!closed) { "this ${this::class.simpleName} handle was closed" }
    }

    /** This process's waiter on [bell]: one thread per bell, started on the first wait that has to sleep. */
    @JvmSynthetic
    internal fun waiter(bell: Bell, name: String, idleNanos: Long = IDLE_CHECK_NANOS, onIdle: () -> Unit = {}): Lazy<SequenceWaiter> =
        lazy { SequenceWaiter.of(bell, name, idleNanos, onIdle).also { waiters += it; if (closed) it.stop() } }

    /** What crosses to another process in place of this object: where to fetch its memory. */
    @JvmSynthetic
    internal fun grant(): DescriptorGrant {
        checkOpen()
        return handOver.grant(this) { segment.memory().duplicate() }
    }

    internal companion object {
        /** How often a long wait looks for what a dead process left (a dead lock owner, a dead barrier party). */
        const val IDLE_CHECK_NANOS = 20_000_000L
    }
}

/** A shared object crosses as the grant of its memory; decoding maps the same memory, checking it holds a [kind]. */
internal abstract class SharedObjectSerializer<T : SharedObject>(
    serialName: String,
    private val kind: Int,
    private val what: String,
    private val open: (SharedSegment) -> T,
) : HandleSerializer<T, DescriptorGrant>(serialName, DescriptorGrant.serializer()) {
    override fun carry(handle: T): DescriptorGrant = handle.grant()

    override fun rebuild(form: DescriptorGrant): T = open(form.openSegment(kind, what))
}
