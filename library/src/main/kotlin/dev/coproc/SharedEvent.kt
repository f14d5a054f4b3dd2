package dev.coproc

import kotlin.time.Duration
import kotlinx.serialization.Serializable

/**
 * A flag every process holding it shares, that processes wait for: the interface code is written against when
 * it should run on any engine. [Event] is the one-machine event (shared memory), [ManagedEvent] a manager's; `ClusterNode.event` makes
 * one held by an Apache Ignite cluster.
 *
 * It is a handle: pass it in a task's arguments. [wait] suspends; [set], [clear] and [isSet] do not, and on a
 * manager or a cluster they are a network round trip that blocks the calling thread for its length.
 */
@Serializable(with = SharedEventSerializer::class)
public interface SharedEvent {
    /** True while the flag is set. */
    public val isSet: Boolean

    /** Sets the flag and wakes every waiter. */
    public fun set()

    /** Lowers the flag: waits from now on wait for the next [set]. */
    public fun clear()

    /** Waits until the flag is set, at most [timeout]; false if it timed out. Cancellable. */
    public suspend fun wait(timeout: Duration = Duration.INFINITE): Boolean
}

internal object SharedEventSerializer : EngineSerializer<SharedEvent>("dev.coproc.SharedEvent", "event", Event::class.java, EventSerializer,
    managedClass = ManagedEvent::class.java, managed = ManagedEventSerializer)
