package dev.coproc

import dev.coproc.internal.manager.ManagerWire
import dev.coproc.internal.blockingCall
import kotlin.time.Duration
import kotlinx.serialization.Serializable

/**
 * An event owned by a [Manager]: Python's `Manager().Event()`, and the manager's [SharedEvent]. A [wait]
 * waits in the manager, with the caller suspended; [set], [clear] and [isSet] are one round trip that blocks
 * the calling thread for its length.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable(with = ManagedEventSerializer::class)
public class ManagedEvent internal constructor(internal val ref: ManagedRef) : SharedEvent {
    override val isSet: Boolean get() = blockingCall { ManagerWire.boolean(ref.call("isSet").single()) }

    override fun set() {
        blockingCall { ref.call("set") }
    }

    override fun clear() {
        blockingCall { ref.call("clear") }
    }

    override suspend fun wait(timeout: Duration): Boolean =
        ManagerWire.boolean(ref.waitingCall("wait", ManagerWire.of(ManagedRef.millis(timeout))).single())

    override fun toString(): String = ref.describe("ManagedEvent")
}

internal object ManagedEventSerializer : ManagedProxySerializer<ManagedEvent>("dev.coproc.ManagedEvent", emptyList(), ::ManagedEvent, { it.ref })
