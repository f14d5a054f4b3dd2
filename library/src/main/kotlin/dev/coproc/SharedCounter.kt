package dev.coproc

import kotlinx.serialization.Serializable

/**
 * A 64-bit counter every process holding it sees, with atomic updates: the interface code is written against
 * when it should run on either engine. [SharedLong] is the one-machine counter (shared memory, nanoseconds per
 * update); `ClusterNode.counter` makes one held by an Apache Ignite cluster.
 *
 * It is a handle: pass it in a task's arguments and the process (or cluster node) running the task updates the
 * same counter. On a cluster each call is a network round trip that blocks the calling thread for its length,
 * as Ignite's own atomics do.
 */
@Serializable(with = SharedCounterSerializer::class)
public interface SharedCounter {
    /** The value now; setting it is one atomic store. */
    public var value: Long

    /** Adds [delta]; returns the value before. */
    public fun getAndAdd(delta: Long): Long

    /** Adds [delta]; returns the value after. */
    public fun addAndGet(delta: Long): Long

    /** Adds one; returns the value after. */
    public fun incrementAndGet(): Long

    /** Subtracts one; returns the value after. */
    public fun decrementAndGet(): Long

    /** Sets [value]; returns the value before. */
    public fun getAndSet(value: Long): Long

    /** Sets [value] if the counter holds [expected]; true if it did. */
    public fun compareAndSet(expected: Long, value: Long): Boolean
}

internal object SharedCounterSerializer :
    EngineSerializer<SharedCounter>("dev.coproc.SharedCounter", "counter", SharedLong::class.java, SharedLongSerializer)
