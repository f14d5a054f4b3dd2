package dev.coproc

import dev.coproc.internal.manager.ManagerWire
import dev.coproc.internal.blockingCall
import kotlin.time.Duration
import kotlinx.serialization.Serializable

/**
 * A barrier for [parties] parties owned by a [Manager]: Python's `Manager().Barrier()`, and the manager's
 * [SharedBarrier]. Every party's [wait] returns once all have arrived; it waits in the manager, with the
 * caller suspended. [abort], [reset], [waiting] and [isBroken] are one round trip that blocks the calling
 * thread for its length.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable
public class ManagedBarrier internal constructor(internal val ref: ManagedRef, override val parties: Int) : SharedBarrier {
    override val waiting: Int get() = blockingCall { ManagerWire.int(ref.call("waiting").single()) }

    override val isBroken: Boolean get() = blockingCall { ManagerWire.boolean(ref.call("isBroken").single()) }

    override suspend fun wait(timeout: Duration): Int =
        ManagerWire.int(ref.waitingCall("wait", ManagerWire.of(ManagedRef.millis(timeout))).single())

    override fun abort() {
        blockingCall { ref.call("abort") }
    }

    override fun reset() {
        blockingCall { ref.call("reset") }
    }

    override fun toString(): String = ref.describe("ManagedBarrier")
}
