package dev.coproc

import dev.coproc.internal.awaitAttempt
import dev.coproc.internal.blockOnAttempt
import dev.coproc.internal.toTimeoutNanos
import dev.coproc.internal.shm.Bell
import dev.coproc.internal.shm.SharedSegment
import kotlin.time.Duration
import kotlinx.serialization.Serializable

/**
 * A flag shared by every process holding it, that processes wait for: Python's `multiprocessing.Event`.
 * [set] wakes every waiter, in every process; [clear] lowers the flag again.
 */
@Serializable(with = EventSerializer::class)
public class Event internal constructor(segment: SharedSegment) : SharedObject(segment), SharedEvent {
    private val bell = Bell(segment, BELL)
    private val waiter = waiter(bell, "event")

    /** True while the flag is set (Python's `is_set()`). */
    override val isSet: Boolean get() = segment.getInt(FLAG) != 0

    /** Sets the flag and wakes every waiter. */
    override fun set() {
        checkOpen()
        segment.setInt(FLAG, 1)
        bell.ring()
    }

    /** Lowers the flag: waits from now on wait for the next [set]. */
    override fun clear() {
        checkOpen()
        segment.setInt(FLAG, 0)
    }

    /** Waits until the flag is set, at most [timeout]; returns the flag, so false means it timed out. Cancellable. */
    override suspend fun wait(timeout: Duration): Boolean {
        checkOpen()
        return awaitAttempt(bell, waiter, timeout) { isSet }
    }

    /** Waits, blocking the calling thread up to [timeout] (null: no limit): what the Java facades call, a futex wait rather than a coroutine. */
    @Throws(InterruptedException::class)
    @JvmSynthetic
    internal fun waitBlocking(timeout: java.time.Duration? = null): Boolean {
        checkOpen()
        return blockOnAttempt(bell, timeout.toTimeoutNanos(), IDLE_CHECK_NANOS, {}) { isSet }
    }

    override fun toString(): String = "Event(" + (if (isSet) "set" else "clear") + ")"

    internal companion object {
        const val KIND = 0x43504556 // "CPEV"
        const val FLAG = 64
        const val BELL = 128
    }
}

/** A new event, clear; see [Event]. */
public fun Event(): Event = Event(SharedSegment.create("event", Event.KIND, 192))

internal object EventSerializer : SharedObjectSerializer<Event>("dev.coproc.Event", Event.KIND, "event", { Event(it) })
