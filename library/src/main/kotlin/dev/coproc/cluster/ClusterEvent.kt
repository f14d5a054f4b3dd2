package dev.coproc.cluster

import dev.coproc.internal.handles.RemoteHandle
import dev.coproc.SharedEvent
import kotlin.time.Duration
import org.apache.ignite.IgniteAtomicLong
import org.apache.ignite.IgniteCountDownLatch

/**
 * A [SharedEvent] held by the cluster. Made by [ClusterNode.event].
 *
 * Ignite has no event: its state is an atomic long counting generations (odd while set), and each clear
 * generation has a count-down latch of one that [set] counts down, waking that generation's waiters. A wait
 * that sees the state move on returns true: the flag was set while it waited, even if cleared since.
 */
public class ClusterEvent internal constructor(
    private val state: IgniteAtomicLong,
    private val latch: (generation: Long, create: Boolean) -> IgniteCountDownLatch?,
    internal val handle: RemoteHandle,
) : SharedEvent {
    /** The name it was made with: the same name on any node is the same event. */
    public val name: String get() = handle.name

    override val isSet: Boolean get() = clusterCall("read event \"$name\"") { state.get() } % 2 == SET

    override fun set() {
        clusterCall("set event \"$name\"") { step(from = CLEAR) { latch(it / 2, true)?.countDown() } }
    }

    override fun clear() {
        clusterCall("clear event \"$name\"") {
            // That generation's waiters were all woken by its set: its latch has done its job.
            step(from = SET) { runCatching { latch(it / 2, false)?.close() } }
        }
    }

    /** Moves the state one step on if it is [from] (clear or set) now, then runs [then] with the state it left. */
    private inline fun step(from: Long, then: (Long) -> Unit) {
        while (true) {
            val now = state.get()
            if (now % 2 != from) return
            if (state.compareAndSet(now, now + 1)) return then(now)
        }
    }

    override suspend fun wait(timeout: Duration): Boolean {
        val seen = clusterCall("read event \"$name\"") { state.get() }
        if (seen % 2 == SET) return true
        return awaitSettled("wait for event \"$name\"", timeout, { latch(seen / 2, true) }) { state.get() != seen }
    }

    /** Removes the event from the cluster, for every node. */
    public fun remove() {
        clusterCall("remove event \"$name\"") {
            val now = state.get()
            runCatching { latch(now / 2, false)?.close() }
            state.close()
        }
    }

    override fun toString(): String = "ClusterEvent($name)"

    private companion object {
        const val CLEAR = 0L
        const val SET = 1L
    }
}
