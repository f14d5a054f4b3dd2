package dev.coproc

import kotlin.contracts.ExperimentalContracts
import kotlin.contracts.InvocationKind
import kotlin.contracts.contract
import kotlin.time.Duration
import kotlinx.serialization.Serializable

/**
 * A lock every process holding it shares, which a holder's death does not leave locked: the interface code is
 * written against when it should run on any engine. [Lock] is the one-machine lock (shared memory), [ManagedLock] a manager's;
 * `ClusterNode.lock` makes one held by an Apache Ignite cluster, where a dead node's holding passes to the next
 * acquirer. Either way that acquirer finds [previousOwnerDied] true, so it can repair what was left half-done.
 *
 * It is a handle: pass it in a task's arguments. [acquire] suspends; [tryAcquire] and [release] do not, and on
 * a manager or a cluster they are a network round trip that blocks the calling thread for its length.
 */
@Serializable(with = SharedLockSerializer::class)
public interface SharedLock {
    /** True while anyone holds the lock (a snapshot). */
    public val isLocked: Boolean

    /**
     * For the holder: true when this holding began by taking the lock over from a holder that died holding it.
     * Cleared by [release].
     */
    public val previousOwnerDied: Boolean

    /** Acquires the lock, waiting up to [timeout]; false if it timed out. A cancelled wait takes nothing. */
    public suspend fun acquire(timeout: Duration = Duration.INFINITE): Boolean

    /** Acquires the lock if it is free now. */
    public fun tryAcquire(): Boolean

    /**
     * Releases the lock, waking a waiter.
     *
     * @throws IllegalStateException when the lock is not locked
     */
    public fun release()
}

/**
 * Runs [action] holding the lock, releasing it however [action] ends. Check [SharedLock.previousOwnerDied] inside
 * when a dead holder could have left the guarded data half-changed.
 */
@OptIn(ExperimentalContracts::class)
public suspend inline fun <R> SharedLock.withLock(action: () -> R): R {
    contract { callsInPlace(action, InvocationKind.EXACTLY_ONCE) }
    acquire()
    try {
        return action()
    } finally {
        release()
    }
}

internal object SharedLockSerializer : EngineSerializer<SharedLock>("dev.coproc.SharedLock", "lock", Lock::class.java, LockSerializer,
    managedClass = ManagedLock::class.java, managed = ManagedLockSerializer)
