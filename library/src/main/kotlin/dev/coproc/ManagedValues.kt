package dev.coproc

import dev.coproc.internal.codec.MessageCodec
import dev.coproc.internal.manager.ManagerWire
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable

/**
 * One value owned by a [Manager] and shared by every process holding this proxy: Python's
 * `Manager().Value()`, of any serializable type. Each call is atomic; a value read is a copy (see
 * [ManagedDict]). Read-modify-write without a lock: [compareAndSet] or [update].
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 * @throws MessageDecodingException from a read whose value does not decode as this proxy's type (its bytes
 *   travel with it): only a proxy whose handle was decoded as another type can meet one
 */
@Serializable(with = ManagedValueSerializer::class)
public class ManagedValue<T> internal constructor(internal val ref: ManagedRef, serializer: KSerializer<T>) {
    private val codec = MessageCodec(serializer)

    public suspend fun get(): T = codec.decodeMessage(ref.call("get").single())

    public suspend fun set(value: T) {
        ref.call("set", codec.encode(value))
    }

    /** Sets [value]; returns the one it replaced. */
    public suspend fun getAndSet(value: T): T = codec.decodeMessage(ref.call("getAndSet", codec.encode(value)).single())

    /** Sets [value] if the value now is [expected] (compared encoded), atomically; true if it did. */
    public suspend fun compareAndSet(expected: T, value: T): Boolean =
        ManagerWire.boolean(ref.call("compareAndSet", codec.encode(expected), codec.encode(value)).single())

    /**
     * Applies [update] to the value inside the manager, atomically, and returns the new value.
     *
     * @throws TaskEncodingException when [update] is not a `@Serializable` class
     * @throws ManagerCallException when it failed in the manager (the value is unchanged)
     */
    public suspend fun update(update: AtomicUpdate<T>): T = codec.decodeMessage(ref.call("update", *ManagedRef.encodeUpdate(update)).single())

    override fun toString(): String = ref.describe("ManagedValue")
}

/**
 * A fixed-size array owned by a [Manager] and shared by every process holding this proxy: Python's
 * `Manager().Array()`, of any serializable element type. Each call is atomic; an element read is a copy.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 * @throws MessageDecodingException from a read whose value does not decode as this proxy's type (its bytes
 *   travel with it): only a proxy whose handle was decoded as another type can meet one
 * @throws ManagerCallException for an index out of bounds (the array is unchanged)
 */
@Serializable(with = ManagedArraySerializer::class)
public class ManagedArray<T> internal constructor(internal val ref: ManagedRef, serializer: KSerializer<T>) {
    private val codec = MessageCodec(serializer)

    public suspend fun get(index: Int): T = codec.decodeMessage(ref.call("get", ManagerWire.of(index)).single())

    /** Sets element [index]; returns the element it replaced. */
    public suspend fun set(index: Int, value: T): T = codec.decodeMessage(ref.call("set", ManagerWire.of(index), codec.encode(value)).single())

    public suspend fun size(): Int = ManagerWire.int(ref.call("size").single())

    /** A copy of the whole array now. */
    public suspend fun snapshot(): List<@JvmSuppressWildcards T> = ref.call("snapshot").map(codec::decodeMessage)

    /** Applies [update] to element [index] inside the manager, atomically; returns its new value. */
    public suspend fun update(index: Int, update: AtomicUpdate<T>): T =
        codec.decodeMessage(ref.call("update", ManagerWire.of(index), *ManagedRef.encodeUpdate(update)).single())

    override fun toString(): String = ref.describe("ManagedArray")
}

internal class ManagedValueSerializer<T>(values: KSerializer<T>) :
    ManagedProxySerializer<ManagedValue<T>>("dev.coproc.ManagedValue", listOf(values), { ManagedValue(it, values) }, { it.ref })

internal class ManagedArraySerializer<T>(values: KSerializer<T>) :
    ManagedProxySerializer<ManagedArray<T>>("dev.coproc.ManagedArray", listOf(values), { ManagedArray(it, values) }, { it.ref })
