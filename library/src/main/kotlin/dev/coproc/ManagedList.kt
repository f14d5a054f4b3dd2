package dev.coproc

import dev.coproc.internal.codec.MessageCodec
import dev.coproc.internal.manager.ManagerWire
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable

/**
 * A list owned by a [Manager] process and shared by every process holding this proxy: Python's
 * `Manager().list()`. Each call is one atomic operation in the manager; a value read is a copy (see [ManagedDict]).
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 * @throws MessageDecodingException from a read whose value does not decode as this proxy's type (its bytes
 *   travel with it): only a proxy whose handle was decoded as another type can meet one
 * @throws ManagerCallException for an index out of bounds (the list is unchanged)
 */
@Serializable(with = ManagedListSerializer::class)
public class ManagedList<T> internal constructor(internal val ref: ManagedRef, itemSerializer: KSerializer<T>) {
    private val items = MessageCodec(itemSerializer)

    public suspend fun append(item: T) {
        ref.call("append", items.encode(item))
    }

    public suspend fun extend(more: Iterable<T>) {
        ref.call("extend", *more.map(items::encode).toTypedArray())
    }

    public suspend fun get(index: Int): T = items.decodeMessage(ref.call("get", ManagerWire.of(index)).single())

    /** Sets element [index]; returns the element it replaced. */
    public suspend fun set(index: Int, item: T): T = items.decodeMessage(ref.call("set", ManagerWire.of(index), items.encode(item)).single())

    /** Removes element [index]; returns it. */
    public suspend fun removeAt(index: Int): T = items.decodeMessage(ref.call("removeAt", ManagerWire.of(index)).single())

    public suspend fun size(): Int = ManagerWire.int(ref.call("size").single())

    /** A copy of the whole list now. */
    public suspend fun snapshot(): List<@JvmSuppressWildcards T> = ref.call("snapshot").map(items::decodeMessage)

    public suspend fun clear() {
        ref.call("clear")
    }

    override fun toString(): String = ref.describe("ManagedList")
}

internal class ManagedListSerializer<T>(items: KSerializer<T>) :
    ManagedProxySerializer<ManagedList<T>>("dev.coproc.ManagedList", listOf(items), { ManagedList(it, items) }, { it.ref })
