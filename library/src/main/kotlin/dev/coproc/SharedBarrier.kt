package dev.coproc

import kotlin.time.Duration
import kotlinx.serialization.Serializable

/**
 * A meeting point for a fixed number of [parties] across processes: the interface code is written against when
 * it should run on any engine. [Barrier] is the one-machine barrier (shared memory, with an optional action), [ManagedBarrier] a manager's;
 * `ClusterNode.barrier` makes one held by an Apache Ignite cluster.
 *
 * It is a handle: pass it in a task's arguments. [wait] suspends; [abort] and [reset] do not, and on a cluster
 * they are network round trips that block the calling thread for their length.
 */
@Serializable(with = SharedBarrierSerializer::class)
public interface SharedBarrier {
    /** How many parties must arrive to open it. */
    public val parties: Int

    /** Parties waiting now. */
    public val waiting: Int

    /** True while broken; [reset] mends it. */
    public val isBroken: Boolean

    /**
     * Arrives and waits for the other parties, at most [timeout]; returns this party's arrival index, from 0 to
     * `parties - 1`.
     *
     * @throws BrokenBarrierException when the barrier is or becomes broken, is reset while waiting, or the
     *   timeout passes (which breaks it for the others too); a cancelled wait breaks it as well
     */
    public suspend fun wait(timeout: Duration = Duration.INFINITE): Int

    /** Breaks the barrier: current and later waiters get [BrokenBarrierException] until [reset]. */
    public fun abort()

    /** Returns the barrier to its empty state for a new round; parties waiting now get [BrokenBarrierException]. */
    public fun reset()
}

internal object SharedBarrierSerializer :
    EngineSerializer<SharedBarrier>("dev.coproc.SharedBarrier", "barrier", Barrier::class.java, BarrierSerializer,
        managedClass = ManagedBarrier::class.java, managed = ManagedBarrier.serializer())
