package dev.coproc

import dev.coproc.internal.manager.ManagerWire
import dev.coproc.internal.blockingCall
import kotlin.time.Duration
import kotlinx.serialization.Serializable

/**
 * A semaphore owned by a [Manager]: Python's `Manager().Semaphore()` and, made by
 * [Manager.boundedSemaphore], `BoundedSemaphore()` (releasing above the initial value is an error); the
 * manager's [SharedSemaphore]. A waiting [acquire] waits in the manager, with the caller suspended;
 * [tryAcquire], [release] and [value] are one round trip that blocks the calling thread for its length.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable(with = ManagedSemaphoreSerializer::class)
public class ManagedSemaphore internal constructor(internal val ref: ManagedRef) : SharedSemaphore {
    override val value: Long get() = blockingCall { ManagerWire.int(ref.call("value").single()).toLong() }

    override suspend fun acquire(timeout: Duration): Boolean {
        val answer = ref.waitingCall("acquire", ManagerWire.of(ManagedRef.millis(timeout))) { taken ->
            if (ManagerWire.boolean(taken[0])) ref.call("release", ManagerWire.of(1))
        }
        return ManagerWire.boolean(answer[0])
    }

    override fun tryAcquire(): Boolean = blockingCall { acquire(Duration.ZERO) }

    /**
     * Gives [permits] back.
     *
     * @throws IllegalStateException for a bounded semaphore released above its initial value
     */
    override fun release(permits: Int) {
        require(permits > 0) { "permits must be positive, not $permits" }
        blockingCall { ref.call("release", ManagerWire.of(permits)) }
    }

    override fun toString(): String = ref.describe("ManagedSemaphore")
}

internal object ManagedSemaphoreSerializer :
    ManagedProxySerializer<ManagedSemaphore>("dev.coproc.ManagedSemaphore", emptyList(), ::ManagedSemaphore, { it.ref })
