package dev.coproc.cluster

import dev.coproc.internal.handles.RemoteHandle
import dev.coproc.SharedCounter
import org.apache.ignite.IgniteAtomicLong

/**
 * A [SharedCounter] held by the cluster (an Ignite atomic long with one backup copy, so it survives a node's
 * death): every node's tasks update the same value. Made by [ClusterNode.counter]; each call is a network
 * round trip.
 */
public class ClusterCounter internal constructor(
    private val atomic: IgniteAtomicLong,
    internal val handle: RemoteHandle,
) : SharedCounter {
    /** The name it was made with: the same name on any node is the same counter. */
    public val name: String get() = handle.name

    override var value: Long
        get() = call("read a counter") { atomic.get() }
        set(value) {
            call("set a counter") { atomic.getAndSet(value) }
        }

    override fun getAndAdd(delta: Long): Long = call("add to a counter") { atomic.getAndAdd(delta) }

    override fun addAndGet(delta: Long): Long = call("add to a counter") { atomic.addAndGet(delta) }

    override fun incrementAndGet(): Long = call("increment a counter") { atomic.incrementAndGet() }

    override fun decrementAndGet(): Long = call("decrement a counter") { atomic.decrementAndGet() }

    override fun getAndSet(value: Long): Long = call("set a counter") { atomic.getAndSet(value) }

    override fun compareAndSet(expected: Long, value: Long): Boolean = call("compare-and-set a counter") { atomic.compareAndSet(expected, value) }

    /** Removes the counter from the cluster, for every node. */
    public fun remove() {
        call("remove a counter") { atomic.close() }
    }

    override fun toString(): String = "ClusterCounter($name)"

    private inline fun <T> call(what: String, body: () -> T): T = clusterCall("$what \"$name\"", body)
}
