package dev.coproc

import dev.coproc.internal.codec.TaskTypeException
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.awaitAttempt
import dev.coproc.internal.handles.DescriptorGrant
import dev.coproc.internal.handles.HandleSerializer
import dev.coproc.internal.shm.Bell
import dev.coproc.internal.shm.ProcessIdentity
import dev.coproc.internal.shm.RobustLock
import dev.coproc.internal.shm.SharedSegment
import kotlin.time.Duration
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.Serializable
import kotlinx.serialization.SerializationException
import kotlinx.serialization.cbor.ByteString

/**
 * A meeting point for a fixed number of [parties] across processes: Python's `multiprocessing.Barrier`. Each
 * party's [wait] suspends until the last one arrives; then the [action] runs once, in the last party's
 * process, and all of them go on, each with its own arrival index. The barrier then serves the next round.
 *
 * The action is a `@Serializable` [Task], since the last party may be any process: it travels with the
 * barrier's handle, as a task does, and only a declared task class is ever decoded.
 *
 * **Broken**: a party's timeout or cancellation, a failing action, [abort], and **a waiting party's death**
 * (noticed within about 20 ms) break the barrier: every waiter gets [BrokenBarrierException] instead of
 * hanging, and so does every [wait] until [reset].
 */
@Serializable(with = BarrierSerializer::class)
public class Barrier internal constructor(segment: SharedSegment, private val action: BarrierAction?) : SharedObject(segment), SharedBarrier {
    private val guard = Lock(segment)
    private val bell = Bell(segment, BELL)
    private val waiter = waiter(bell, "barrier", onIdle = ::breakIfAPartyDied)

    /** How many parties must arrive to open it. */
    override val parties: Int get() = segment.getInt(PARTIES)

    /** Parties waiting now (Python's `n_waiting`). */
    override val waiting: Int get() = segment.getInt(COUNT).coerceAtMost(parties)

    /** True while broken; [reset] mends it. */
    override val isBroken: Boolean get() = segment.getInt(BROKEN) != 0

    /**
     * Arrives and waits for the other parties, at most [timeout]; returns this party's arrival index, from 0
     * to `parties - 1` (Python's return value, handy to elect one party to do something).
     *
     * @throws BrokenBarrierException when the barrier is or becomes broken, is reset while waiting, or the
     *   timeout passes (which breaks it for the others too); a cancelled wait breaks it as well
     */
    override suspend fun wait(timeout: Duration): Int {
        checkOpen()
        val generation: Int
        val index: Int
        guard.acquire()
        try {
            if (isBroken) throw BrokenBarrierException("the barrier is broken")
            generation = segment.getInt(GENERATION)
            index = segment.getInt(COUNT)
            segment.setLong(PARTY_SLOTS + index * 8, ProcessIdentity.self())
            segment.setInt(COUNT, index + 1)
            if (index + 1 == parties) {
                runAction()
                segment.setInt(COUNT, 0)
                segment.setInt(GENERATION, generation + 1)
                bell.ring()
                return index
            }
        } finally {
            guard.release()
        }
        val outcome: Boolean
        try {
            outcome = awaitAttempt(bell, waiter, timeout) { segment.getInt(GENERATION) != generation || isBroken }
        } catch (e: Throwable) {
            withContext(NonCancellable) { breakRound(generation) }
            throw e
        }
        if (!outcome) {
            withContext(NonCancellable) { breakRound(generation) }
            // The round may have completed just as the wait gave up.
            if (segment.getInt(GENERATION) == generation) throw BrokenBarrierException("the barrier's wait timed out after $timeout")
        }
        if (segment.getInt(GENERATION) == generation) throw BrokenBarrierException("the barrier broke while waiting")
        if (segment.getInt(RESET_GENERATION) == generation + 1) throw BrokenBarrierException("the barrier was reset while waiting")
        return index
    }

    /** Breaks the barrier: current and later waiters get [BrokenBarrierException] until [reset]. */
    override fun abort() {
        checkOpen()
        guard.acquireBlocking()
        try {
            segment.setInt(BROKEN, 1)
        } finally {
            guard.release()
        }
        bell.bump()
    }

    /**
     * Returns the barrier to its empty state for a new round; parties waiting now get
     * [BrokenBarrierException].
     */
    override fun reset() {
        checkOpen()
        guard.acquireBlocking()
        try {
            val generation = segment.getInt(GENERATION)
            if (segment.getInt(COUNT) > 0 || isBroken) {
                segment.setInt(RESET_GENERATION, generation + 1)
                segment.setInt(GENERATION, generation + 1)
            }
            segment.setInt(COUNT, 0)
            segment.setInt(BROKEN, 0)
        } finally {
            guard.release()
        }
        bell.bump()
    }

    private suspend fun runAction() {
        val encoded = action ?: return
        try {
            encoded.decode().run()
        } catch (e: Throwable) {
            segment.setInt(BROKEN, 1)
            segment.setInt(COUNT, 0)
            bell.bump()
            throw if (e is kotlinx.coroutines.CancellationException) e else BrokenBarrierException("the barrier's action failed: $e", e)
        }
    }

    /** A wait gave up: the round it was in cannot complete without it. */
    private suspend fun breakRound(generation: Int) {
        guard.acquire()
        try {
            if (segment.getInt(GENERATION) == generation) segment.setInt(BROKEN, 1)
        } finally {
            guard.release()
        }
        bell.bump()
    }

    /** Called by the waiting thread now and then: a round whose waiting party died can never complete. */
    private fun breakIfAPartyDied() {
        val arrived = segment.getInt(COUNT).coerceAtMost(parties)
        for (index in 0 until arrived) {
            val party = segment.getLong(PARTY_SLOTS + index * 8)
            if (party != ProcessIdentity.self() && !ProcessIdentity.isAlive(party)) {
                guard.acquireBlocking()
                try {
                    if (segment.getLong(PARTY_SLOTS + index * 8) == party && index < segment.getInt(COUNT)) segment.setInt(BROKEN, 1)
                } finally {
                    guard.release()
                }
                bell.bump()
                return
            }
        }
    }

    internal val encodedAction: BarrierAction? get() = action

    override fun close() {
        guard.close()
        super.close()
    }

    override fun toString(): String = "Barrier(parties $parties, waiting $waiting" + (if (isBroken) ", broken" else "") + ")"

    internal companion object {
        const val KIND = 0x43504252 // "CPBR"
        private const val COUNT = Lock.OFFSET + RobustLock.BYTES
        private const val GENERATION = COUNT + 4
        private const val BROKEN = COUNT + 8
        private const val RESET_GENERATION = COUNT + 12
        private const val PARTIES = COUNT + 16
        private const val BELL = 256
        private const val PARTY_SLOTS = 512

        fun create(parties: Int): SharedSegment {
            require(parties >= 1) { "a barrier needs at least one party: $parties" }
            require(parties <= 1_000_000) { "too many parties for one barrier: $parties" }
            val segment = SharedSegment.create("barrier", KIND, PARTY_SLOTS + parties * 8L)
            segment.setInt(PARTIES, parties)
            return segment
        }
    }
}

/**
 * A new barrier for [parties]; [action], if any, runs once per round in the last arriving party's process.
 * The action is encoded now, so one that cannot travel fails here.
 */
public fun Barrier(parties: Int, action: Task<*>? = null): Barrier {
    val encoded = action?.let { TaskCodec.encode(it) }?.let { BarrierAction(it.typeName, it.bytes) }
    return Barrier(Barrier.create(parties), encoded)
}

/** A barrier's action as it travels: a declared task type and its encoded fields. */
internal class BarrierAction(val typeName: String, val bytes: ByteArray) {
    /** Checks the type now: a handle naming anything but a declared task fails to decode. */
    init {
        try {
            TaskCodec.resolve(typeName)
        } catch (e: TaskTypeException) {
            throw SerializationException("the barrier's action cannot be decoded: ${e.message}", e)
        }
    }

    fun decode(): Task<*> = WireCodec.decode(TaskCodec.resolve(typeName), bytes)
}

/** What crosses in place of a barrier: its memory and its action's encoded form. */
@OptIn(ExperimentalSerializationApi::class)
@Serializable
internal class BarrierForm(val barrier: DescriptorGrant, val actionType: String?, @ByteString val action: ByteArray?)

internal object BarrierSerializer : HandleSerializer<Barrier, BarrierForm>("dev.coproc.Barrier", BarrierForm.serializer()) {
    override fun carry(handle: Barrier): BarrierForm {
        val action = handle.encodedAction
        return BarrierForm(handle.grant(), action?.typeName, action?.bytes)
    }

    override fun rebuild(form: BarrierForm): Barrier {
        val action = form.actionType?.let { type -> BarrierAction(type, form.action ?: ByteArray(0)) }
        return Barrier(form.barrier.openSegment(Barrier.KIND, "barrier"), action)
    }
}
