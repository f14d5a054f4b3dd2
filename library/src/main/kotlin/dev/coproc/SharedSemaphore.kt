package dev.coproc

import kotlin.contracts.ExperimentalContracts
import kotlin.contracts.InvocationKind
import kotlin.contracts.contract
import kotlin.time.Duration
import kotlinx.serialization.Serializable

/**
 * A counter of permits every process holding it shares: the interface code is written against when it should
 * run on either engine. [Semaphore] is the one-machine semaphore (shared memory), [ManagedSemaphore] a manager's; `ClusterNode.semaphore` makes
 * one held by an Apache Ignite cluster, where the permits a dead node held come back.
 *
 * It is a handle: pass it in a task's arguments. [acquire] suspends; [tryAcquire] and [release] do not, and on
 * a manager or a cluster they are a network round trip that blocks the calling thread for its length.
 */
@Serializable(with = SharedSemaphoreSerializer::class)
public interface SharedSemaphore {
    /** The permits available now (a snapshot). */
    public val value: Long

    /** Takes a permit, waiting up to [timeout] for one; false if it timed out. A cancelled wait takes nothing. */
    public suspend fun acquire(timeout: Duration = Duration.INFINITE): Boolean

    /** Takes a permit if one is available now. */
    public fun tryAcquire(): Boolean

    /** Gives back [permits] permits, waking waiters. */
    public fun release(permits: Int = 1)
}

/** Runs [action] holding a permit, giving it back however [action] ends. */
@OptIn(ExperimentalContracts::class)
public suspend inline fun <R> SharedSemaphore.withPermit(action: () -> R): R {
    contract { callsInPlace(action, InvocationKind.EXACTLY_ONCE) }
    acquire()
    try {
        return action()
    } finally {
        release()
    }
}

internal object SharedSemaphoreSerializer :
    EngineSerializer<SharedSemaphore>("dev.coproc.SharedSemaphore", "semaphore", Semaphore::class.java, SemaphoreSerializer,
        managedClass = ManagedSemaphore::class.java, managed = ManagedSemaphoreSerializer)
