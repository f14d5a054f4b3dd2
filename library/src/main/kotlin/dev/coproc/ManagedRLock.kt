package dev.coproc

import dev.coproc.internal.manager.ManagerWire
import kotlin.time.Duration
import kotlinx.serialization.Serializable
import kotlinx.serialization.Transient

/**
 * A re-entrant lock owned by a [Manager]: Python's `Manager().RLock()`. Its holder is a coroutine, as for
 * the local [RLock] (scoping functions count as their caller); it may take it again, and must release it as
 * many times. A process that ends holding it frees it, and the next holder sees [previousOwnerDied].
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable(with = ManagedRLockSerializer::class)
public class ManagedRLock internal constructor(internal val ref: ManagedRef) : CoroutineLock {
    /** For the holder: true when this proxy's last acquire took the lock over from a process that died holding it. */
    @Transient @Volatile
    public var previousOwnerDied: Boolean = false
        private set

    /** Takes the lock (once more, if this coroutine holds it), waiting up to [timeout]; false if not taken in time. */
    override suspend fun acquire(timeout: Duration): Boolean =
        ref.acquireLock(ManagerWire.of(ManagedRef.holderId()), timeout) { previousOwnerDied = it }

    /**
     * Releases one level of this coroutine's holding; the last one frees it.
     *
     * @throws IllegalStateException when this coroutine does not hold it
     */
    override suspend fun release() {
        ref.call("release", ManagerWire.of(ManagedRef.holderId()))
    }

    /** How many times the calling coroutine holds it now. */
    public suspend fun holdCount(): Int = ManagerWire.int(ref.call("holdCount", ManagerWire.of(ManagedRef.holderId())).single())

    override fun toString(): String = ref.describe("ManagedRLock")
}

internal object ManagedRLockSerializer : ManagedProxySerializer<ManagedRLock>("dev.coproc.ManagedRLock", emptyList(), ::ManagedRLock, { it.ref })
