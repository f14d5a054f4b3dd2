package dev.coproc

import kotlin.time.Duration
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable

/**
 * A first-in first-out queue of [T] shared by every process holding it, each of which may put and get: the
 * interface code is written against when it should run on any engine. [Queue] is the one-machine queue
 * (shared memory); [ManagedQueue] is a manager's; `ClusterNode.queue` makes one held by an Apache Ignite cluster.
 *
 * It is a handle: pass it in a task's arguments. [put] and [get] suspend while they wait; [tryPut], [tryGet]
 * and [size] do not, and on a manager or a cluster they are a network round trip that blocks the calling thread for its length.
 */
@Serializable(with = SharedQueueSerializer::class)
public interface SharedQueue<T> {
    /** The most items the queue holds, or [UNBOUNDED]. */
    public val capacity: Int

    /** Items in the queue now (a snapshot). */
    public val size: Int

    /**
     * Puts [item] at the end, waiting up to [timeout] for room. A put cancelled while it waits puts nothing.
     *
     * @throws QueueFullException when the queue stayed full for [timeout]
     */
    public suspend fun put(item: T, timeout: Duration = Duration.INFINITE)

    /** Puts [item] if there is room now; false when the queue is full. */
    public fun tryPut(item: T): Boolean

    /**
     * Takes the first item, waiting up to [timeout] for one. A cancelled get takes nothing.
     *
     * @throws QueueEmptyException when none came within [timeout]
     */
    public suspend fun get(timeout: Duration = Duration.INFINITE): T

    /** The first item if there is one now, else null. */
    public fun tryGet(): T?
}

internal class SharedQueueSerializer<T>(itemSerializer: KSerializer<T>) :
    EngineSerializer<SharedQueue<T>>(
        "dev.coproc.SharedQueue", "queue", Queue::class.java, QueueSerializer(itemSerializer), itemSerializer,
        managedClass = ManagedQueue::class.java, managed = ManagedQueueSerializer(itemSerializer),
    )

/** A joinable queue of either engine that has one: a shared-memory [JoinableQueue] or a [ManagedJoinableQueue]. */
internal class SharedJoinableQueueSerializer<T>(itemSerializer: KSerializer<T>) :
    EngineSerializer<SharedQueue<T>>(
        "dev.coproc.SharedJoinableQueue", "joinable queue", JoinableQueue::class.java, JoinableQueueSerializer(itemSerializer), itemSerializer,
        managedClass = ManagedJoinableQueue::class.java, managed = ManagedJoinableQueueSerializer(itemSerializer),
    )
