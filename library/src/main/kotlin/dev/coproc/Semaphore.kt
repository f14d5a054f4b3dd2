package dev.coproc

import dev.coproc.internal.awaitAttempt
import dev.coproc.internal.blockOnAttempt
import dev.coproc.internal.toTimeoutNanos
import dev.coproc.internal.shm.Bell
import dev.coproc.internal.shm.SharedSegment
import kotlin.time.Duration
import kotlinx.serialization.Serializable

/**
 * A counter of permits shared by every process holding it: Python's `multiprocessing.Semaphore`. [acquire]
 * takes a permit, waiting while there is none; [release] gives one back (any process may).
 *
 * **When a process dies holding permits**, they are not given back: a semaphore counts, it does not know who
 * took what (neither does Python's, nor a POSIX semaphore). Where a holder may die and its share must come
 * back, guard the work with a [Lock], which is taken over from a dead owner, or release in the parent when it
 * sees the child's exit.
 */
@Serializable(with = SemaphoreSerializer::class)
public open class Semaphore internal constructor(segment: SharedSegment) : SharedObject(segment), SharedSemaphore {
    private val bell = Bell(segment, BELL)
    private val waiter = waiter(bell, "semaphore")

    /** The permits available now (a snapshot); Python's `get_value()`. */
    override val value: Long get() = segment.getLong(COUNT)

    /** Takes a permit, waiting up to [timeout] for one; false if it timed out. Cancellable: a cancelled wait takes nothing. */
    override suspend fun acquire(timeout: Duration): Boolean {
        checkOpen()
        return awaitAttempt(bell, waiter, timeout, ::take)
    }

    /** Takes a permit if one is available now. */
    override fun tryAcquire(): Boolean {
        checkOpen()
        return take()
    }

    /**
     * Gives back [permits] permits, waking waiters.
     *
     * @throws IllegalStateException for a [BoundedSemaphore], when that would exceed its initial value
     */
    override fun release(permits: Int) {
        checkOpen()
        require(permits >= 1) { "permits must be at least 1: $permits" }
        val bound = segment.getLong(BOUND)
        while (true) {
            val count = segment.getLong(COUNT)
            check(count <= bound - permits) { "release() of a BoundedSemaphore above its initial value $bound" }
            if (segment.compareAndSetLong(COUNT, count, count + permits)) break
        }
        bell.ring()
    }

    /** Gives back one permit; for Java callers, who see no default arguments. */
    public fun release() {
        release(1)
    }

    /** Takes a permit, blocking the calling thread up to [timeout] (null: no limit): what the Java facades call, a futex wait rather than a coroutine. */
    @Throws(InterruptedException::class)
    @JvmSynthetic
    internal fun acquireBlocking(timeout: java.time.Duration? = null): Boolean {
        checkOpen()
        return blockOnAttempt(bell, timeout.toTimeoutNanos(), IDLE_CHECK_NANOS, {}, ::take)
    }

    private fun take(): Boolean {
        while (true) {
            val count = segment.getLong(COUNT)
            if (count <= 0) return false
            if (segment.compareAndSetLong(COUNT, count, count - 1)) return true
        }
    }

    override fun toString(): String = "${this::class.simpleName}(value $value)"

    internal companion object {
        const val KIND = 0x43505345 // "CPSE"
        const val COUNT = 64
        const val BOUND = 72
        const val BELL = 128
        const val BYTES = 192L

        fun create(kind: Int, value: Long, bound: Long): SharedSegment {
            require(value >= 0) { "a semaphore's initial value must not be negative: $value" }
            val segment = SharedSegment.create("semaphore", kind, BYTES)
            segment.setLong(COUNT, value)
            segment.setLong(BOUND, bound)
            return segment
        }
    }
}

/**
 * A [Semaphore] that refuses to be released above its initial value, catching a release too many:
 * Python's `BoundedSemaphore`, whose over-release raises `ValueError`.
 */
@Serializable(with = BoundedSemaphoreSerializer::class)
public class BoundedSemaphore internal constructor(segment: SharedSegment) : Semaphore(segment) {
    /** The initial value, which [release] never exceeds. */
    public val bound: Long get() = segment.getLong(BOUND)

    internal companion object {
        const val KIND = 0x43504253 // "CPBS"
    }
}

/** A new semaphore with [value] permits; see [Semaphore]. */
public fun Semaphore(value: Long = 1): Semaphore = Semaphore(Semaphore.create(Semaphore.KIND, value, Long.MAX_VALUE))

/** A new bounded semaphore with [value] permits, never more; see [BoundedSemaphore]. */
public fun BoundedSemaphore(value: Long = 1): BoundedSemaphore = BoundedSemaphore(Semaphore.create(BoundedSemaphore.KIND, value, value))

internal object SemaphoreSerializer : SharedObjectSerializer<Semaphore>("dev.coproc.Semaphore", Semaphore.KIND, "semaphore", { Semaphore(it) })

internal object BoundedSemaphoreSerializer :
    SharedObjectSerializer<BoundedSemaphore>("dev.coproc.BoundedSemaphore", BoundedSemaphore.KIND, "bounded semaphore", { BoundedSemaphore(it) })
