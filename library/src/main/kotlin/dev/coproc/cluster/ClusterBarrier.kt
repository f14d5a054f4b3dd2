package dev.coproc.cluster

import dev.coproc.BrokenBarrierException
import dev.coproc.internal.handles.RemoteHandle
import dev.coproc.SharedBarrier
import kotlin.time.Duration
import kotlinx.coroutines.CancellationException
import org.apache.ignite.IgniteAtomicLong
import org.apache.ignite.IgniteCountDownLatch

/**
 * A [SharedBarrier] held by the cluster. Made by [ClusterNode.barrier]. Unlike the local [dev.coproc.Barrier] it
 * runs no action, and a node dying while it waits does not break it (its arrival counts: the round can still
 * complete); a node dying before it arrives leaves the others waiting until their timeout.
 *
 * Arrivals need no lock: [round] packs the generation and the arrivals counted in it into one atomic long,
 * updated by compare-and-set; [flags] packs the broken bit and the generation a reset ended. The last arrival
 * opens the generation's count-down latch, which wakes its waiters.
 */
public class ClusterBarrier internal constructor(
    private val round: IgniteAtomicLong,
    private val flags: IgniteAtomicLong,
    private val partiesRecord: IgniteAtomicLong,
    private val latch: (generation: Long, create: Boolean) -> IgniteCountDownLatch?,
    internal val handle: RemoteHandle,
) : SharedBarrier {
    // Read when first needed, not when a task decodes the handle; it never changes.
    override val parties: Int by lazy { call("read") { partiesRecord.get() }.toInt() }

    /** The name it was made with: the same name on any node is the same barrier. */
    public val name: String get() = handle.name

    override val waiting: Int get() = arrived(call("read") { round.get() }).toInt().coerceAtMost(parties)

    override val isBroken: Boolean get() = call("read") { flags.get() } and BROKEN != 0L

    override suspend fun wait(timeout: Duration): Int {
        val found = call("arrive at") { arrive() }
        val generation = generationOf(found)
        val index = arrived(found)
        if (index + 1 == parties.toLong()) {
            call("open") {
                latch(generation, true)?.countDown()
                // Every party has left the previous generation's wait to arrive in this one: its latch is done.
                if (generation > 0) runCatching { latch(generation - 1, false)?.close() }
            }
            return index.toInt()
        }
        val woken = try {
            awaitSettled("wait at barrier \"$name\"", timeout, { latch(generation, true) }) { settled(generation) }
        } catch (e: CancellationException) {
            breakRound(generation)
            throw e
        }
        if (!woken) {
            breakRound(generation)
            if (generationOf(call("read") { round.get() }) == generation) throw BrokenBarrierException("the barrier's wait timed out after $timeout")
        }
        if (generationOf(call("read") { round.get() }) == generation) throw BrokenBarrierException("the barrier broke while waiting")
        if (call("read") { flags.get() } shr 1 == generation + 1) throw BrokenBarrierException("the barrier was reset while waiting")
        return index.toInt()
    }

    override fun abort() {
        call("abort") { breakGeneration(generationOf(round.get())) }
    }

    override fun reset() {
        call("reset") {
            while (true) {
                val now = round.get()
                val state = flags.get()
                val generation = generationOf(now)
                if (arrived(now) == 0L && state and BROKEN == 0L) return
                // A new generation, marked as ended by a reset, wakes this one's waiters to their exception.
                if (!round.compareAndSet(now, (generation + 1) shl 32)) continue
                flags.getAndSet((generation + 1) shl 1)
                latch(generation, true)?.countDown()
                return
            }
        }
    }

    /** Removes the barrier from the cluster, for every node. */
    public fun remove() {
        call("remove") {
            runCatching { latch(generationOf(round.get()), false)?.close() }
            round.close()
            flags.close()
        }
    }

    override fun toString(): String = "ClusterBarrier($name)"

    /** Counts this arrival in; returns the round as it found it: its generation, and how many had arrived before. */
    private fun arrive(): Long {
        while (true) {
            if (flags.get() and BROKEN != 0L) throw BrokenBarrierException("the barrier is broken")
            val now = round.get()
            val next = if (arrived(now) + 1 == parties.toLong()) (generationOf(now) + 1) shl 32 else now + 1
            if (round.compareAndSet(now, next)) return now
        }
    }

    /** True once [generation] is over (opened or reset) or the barrier broke. */
    private fun settled(generation: Long): Boolean = generationOf(round.get()) != generation || flags.get() and BROKEN != 0L

    private fun breakRound(generation: Long) {
        call("break") {
            if (generationOf(round.get()) == generation) breakGeneration(generation)
        }
    }

    /** Sets the broken bit and wakes [generation]'s waiters to see it. */
    private fun breakGeneration(generation: Long) {
        while (true) {
            val now = flags.get()
            if (flags.compareAndSet(now, now or BROKEN)) break
        }
        latch(generation, true)?.countDown()
    }

    private inline fun <T> call(what: String, body: () -> T): T = clusterCall("$what barrier \"$name\"", body)

    private companion object {
        const val BROKEN = 1L

        fun generationOf(round: Long): Long = round ushr 32

        fun arrived(round: Long): Long = round and 0xffffffffL
    }
}
