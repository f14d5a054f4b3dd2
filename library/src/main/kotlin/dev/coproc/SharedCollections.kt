package dev.coproc

import dev.coproc.codec.EncodedOperation
import dev.coproc.codec.MessageCodec
import dev.coproc.codec.TaskTypeException
import dev.coproc.internal.ManagerClient
import dev.coproc.internal.ManagerServer
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.cbor.ByteString
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder

/** What crosses in place of a proxy: the manager's address, its key, and the object's id there. */
@Serializable
internal class ManagedRef(val address: String, @ByteString val key: ByteArray, val objectId: Long) {
    suspend fun call(method: String, vararg args: ByteArray): List<ByteArray> =
        ManagerClient.of(address, key).call(objectId, method, args.toList())
}

/**
 * A dictionary owned by a [Manager] process and shared by every process holding this proxy: Python's
 * `Manager().dict()`. Each call is one atomic operation in the manager.
 *
 * **A value read is a copy**: changing an object you got from [get] changes nothing in the manager (as
 * Python's docs warn for nested objects); write it back with [set], or use [compareAndSet] / [getOrPut] for
 * atomic read-modify-write. Keys are compared by their encoded form.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 */
@Serializable(with = SharedDictSerializer::class)
public class SharedDict<K, V> internal constructor(
    internal val ref: ManagedRef,
    keySerializer: KSerializer<K>,
    valueSerializer: KSerializer<V>,
) {
    private val keys = MessageCodec(keySerializer)
    private val values = MessageCodec(valueSerializer)

    public suspend fun get(key: K): V? = ref.call("get", keys.encode(key)).firstOrNull()?.let(values::decode)

    public suspend operator fun set(key: K, value: V) {
        ref.call("set", keys.encode(key), values.encode(value))
    }

    /** Removes [key]; returns its value, or null if it had none. */
    public suspend fun remove(key: K): V? = ref.call("remove", keys.encode(key)).firstOrNull()?.let(values::decode)

    public suspend fun containsKey(key: K): Boolean = ManagerServer.decodeBoolean(ref.call("containsKey", keys.encode(key)).single())

    public suspend fun size(): Int = ManagerServer.decodeInt(ref.call("size").single())

    /** A snapshot of the keys, in insertion order. */
    public suspend fun keys(): List<K> = ref.call("keys").map(keys::decode)

    /** A snapshot of the values, in insertion order. */
    public suspend fun values(): List<V> = ref.call("values").map(values::decode)

    /** A snapshot of the entries, in insertion order. */
    public suspend fun items(): Map<K, V> = ref.call("items").chunked(2).associate { (key, value) -> keys.decode(key) to values.decode(value) }

    public suspend fun putAll(entries: Map<K, V>) {
        ref.call("putAll", *entries.flatMap { (key, value) -> listOf(keys.encode(key), values.encode(value)) }.toTypedArray())
    }

    /** The value of [key]; if it has none, sets [default] first, atomically. */
    public suspend fun getOrPut(key: K, default: V): V = values.decode(ref.call("getOrPut", keys.encode(key), values.encode(default)).single())

    /**
     * Sets [key] to [value] if its value now is [expected] (compared encoded; null: if it has none), atomically;
     * true if it did. A retry loop over it is an atomic update from any number of processes.
     */
    public suspend fun compareAndSet(key: K, expected: V?, value: V): Boolean {
        val args = if (expected == null) {
            arrayOf(keys.encode(key), ManagerServer.encode(false), values.encode(value))
        } else {
            arrayOf(keys.encode(key), ManagerServer.encode(true), values.encode(expected), values.encode(value))
        }
        return ManagerServer.decodeBoolean(ref.call("compareAndSet", *args).single())
    }

    /**
     * Applies [operation] to the entry of [key] inside the manager, atomically, and returns the new value
     * (null: the entry is absent now). Python's managers have no such call: there, `d[k] += 1` from two
     * processes loses updates.
     *
     * @throws TaskEncodingException when [operation] is not a `@Serializable` class
     * @throws ManagerCallException when it failed in the manager (the entry is unchanged)
     */
    public suspend fun update(key: K, operation: DictOperation<V>): V? {
        val encoded = try {
            EncodedOperation.of(operation)
        } catch (e: TaskTypeException) {
            throw TaskEncodingException("cannot send ${operation.javaClass.name}: ${e.message}", e)
        }
        return ref.call("update", keys.encode(key), encoded.first.encodeToByteArray(), encoded.second).firstOrNull()?.let(values::decode)
    }

    public suspend fun clear() {
        ref.call("clear")
    }

    override fun toString(): String = "SharedDict(${ref.objectId} in the manager at ${ref.address})"
}

/**
 * A list owned by a [Manager] process and shared by every process holding this proxy: Python's
 * `Manager().list()`. Each call is one atomic operation in the manager; a value read is a copy (see [SharedDict]).
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 * @throws ManagerCallException for an index out of bounds (the list is unchanged)
 */
@Serializable(with = SharedListSerializer::class)
public class SharedList<T> internal constructor(internal val ref: ManagedRef, itemSerializer: KSerializer<T>) {
    private val items = MessageCodec(itemSerializer)

    public suspend fun append(item: T) {
        ref.call("append", items.encode(item))
    }

    public suspend fun extend(more: Iterable<T>) {
        ref.call("extend", *more.map(items::encode).toTypedArray())
    }

    public suspend fun get(index: Int): T = items.decode(ref.call("get", ManagerServer.encode(index)).single())

    /** Sets element [index]; returns the element it replaced. */
    public suspend fun set(index: Int, item: T): T = items.decode(ref.call("set", ManagerServer.encode(index), items.encode(item)).single())

    /** Removes element [index]; returns it. */
    public suspend fun removeAt(index: Int): T = items.decode(ref.call("removeAt", ManagerServer.encode(index)).single())

    public suspend fun size(): Int = ManagerServer.decodeInt(ref.call("size").single())

    /** A copy of the whole list now. */
    public suspend fun snapshot(): List<T> = ref.call("snapshot").map(items::decode)

    public suspend fun clear() {
        ref.call("clear")
    }

    override fun toString(): String = "SharedList(${ref.objectId} in the manager at ${ref.address})"
}

internal class SharedDictSerializer<K, V>(private val keys: KSerializer<K>, private val values: KSerializer<V>) : KSerializer<SharedDict<K, V>> {
    override val descriptor: SerialDescriptor = SerialDescriptor("dev.coproc.SharedDict", ManagedRef.serializer().descriptor)
    override fun serialize(encoder: Encoder, value: SharedDict<K, V>) = encoder.encodeSerializableValue(ManagedRef.serializer(), value.ref)
    override fun deserialize(decoder: Decoder): SharedDict<K, V> = SharedDict(decoder.decodeSerializableValue(ManagedRef.serializer()), keys, values)
}

internal class SharedListSerializer<T>(private val items: KSerializer<T>) : KSerializer<SharedList<T>> {
    override val descriptor: SerialDescriptor = SerialDescriptor("dev.coproc.SharedList", ManagedRef.serializer().descriptor)
    override fun serialize(encoder: Encoder, value: SharedList<T>) = encoder.encodeSerializableValue(ManagedRef.serializer(), value.ref)
    override fun deserialize(decoder: Decoder): SharedList<T> = SharedList(decoder.decodeSerializableValue(ManagedRef.serializer()), items)
}
