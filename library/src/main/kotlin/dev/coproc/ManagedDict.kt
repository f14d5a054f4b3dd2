package dev.coproc

import dev.coproc.internal.codec.MessageCodec
import dev.coproc.internal.manager.ManagerWire
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable

/**
 * A dictionary owned by a [Manager] process and shared by every process holding this proxy: Python's
 * `Manager().dict()`. Each call is one atomic operation in the manager.
 *
 * **A value read is a copy**: changing an object you got from [get] changes nothing in the manager (as
 * Python's docs warn for nested objects); write it back with [set], or use [compareAndSet] / [getOrPut] for
 * atomic read-modify-write. Keys are compared by their encoded form.
 *
 * @throws ManagerUnavailableException from any call once the manager has ended
 * @throws MessageDecodingException from a read whose value does not decode as this proxy's type (its bytes
 *   travel with it): only a proxy whose handle was decoded as another type can meet one
 */
@Serializable(with = ManagedDictSerializer::class)
public class ManagedDict<K, V> internal constructor(
    internal val ref: ManagedRef,
    keySerializer: KSerializer<K>,
    valueSerializer: KSerializer<V>,
) {
    private val keys = MessageCodec(keySerializer)
    private val values = MessageCodec(valueSerializer)

    public suspend fun get(key: K): V? = ref.call("get", keys.encode(key)).firstOrNull()?.let(values::decodeMessage)

    public suspend operator fun set(key: K, value: V) {
        ref.call("set", keys.encode(key), values.encode(value))
    }

    /** Removes [key]; returns its value, or null if it had none. */
    public suspend fun remove(key: K): V? = ref.call("remove", keys.encode(key)).firstOrNull()?.let(values::decodeMessage)

    public suspend fun containsKey(key: K): Boolean = ManagerWire.boolean(ref.call("containsKey", keys.encode(key)).single())

    public suspend fun size(): Int = ManagerWire.int(ref.call("size").single())

    /** A snapshot of the keys, in insertion order. */
    public suspend fun keys(): List<@JvmSuppressWildcards K> = ref.call("keys").map(keys::decodeMessage)

    /** A snapshot of the values, in insertion order. */
    public suspend fun values(): List<@JvmSuppressWildcards V> = ref.call("values").map(values::decodeMessage)

    /** A snapshot of the entries, in insertion order. */
    public suspend fun items(): Map<K, @JvmSuppressWildcards V> {
        val fields = ref.call("items")
        val entries = LinkedHashMap<K, V>(fields.size)
        for (i in fields.indices step 2) entries[keys.decodeMessage(fields[i])] = values.decodeMessage(fields[i + 1])
        return entries
    }

    public suspend fun putAll(entries: Map<K, V>) {
        val fields = arrayOfNulls<ByteArray>(2 * entries.size)
        var i = 0
        for ((key, value) in entries) {
            fields[i++] = keys.encode(key)
            fields[i++] = values.encode(value)
        }
        @Suppress("UNCHECKED_CAST")
        ref.call("putAll", *(fields as Array<ByteArray>))
    }

    /** The value of [key]; if it has none, sets [default] first, atomically. */
    public suspend fun getOrPut(key: K, default: V): V = values.decodeMessage(ref.call("getOrPut", keys.encode(key), values.encode(default)).single())

    /**
     * Sets [key] to [value] if its value now is [expected] (compared encoded; null: if it has none), atomically;
     * true if it did. A retry loop over it is an atomic update from any number of processes.
     */
    public suspend fun compareAndSet(key: K, expected: V?, value: V): Boolean {
        val args = if (expected == null) {
            arrayOf(keys.encode(key), ManagerWire.of(false), values.encode(value))
        } else {
            arrayOf(keys.encode(key), ManagerWire.of(true), values.encode(expected), values.encode(value))
        }
        return ManagerWire.boolean(ref.call("compareAndSet", *args).single())
    }

    /**
     * Applies [operation] to the entry of [key] inside the manager, atomically, and returns the new value
     * (null: the entry is absent now). Python's managers have no such call: there, `d[k] += 1` from two
     * processes loses updates.
     *
     * @throws TaskEncodingException when [operation] is not a `@Serializable` class
     * @throws ManagerCallException when it failed in the manager (the entry is unchanged)
     */
    public suspend fun update(key: K, operation: AtomicUpdate<V>): V? {
        return ref.call("update", keys.encode(key), *ManagedRef.encodeUpdate(operation)).firstOrNull()?.let(values::decodeMessage)
    }

    public suspend fun clear() {
        ref.call("clear")
    }

    override fun toString(): String = ref.describe("ManagedDict")
}

internal class ManagedDictSerializer<K, V>(keys: KSerializer<K>, values: KSerializer<V>) :
    ManagedProxySerializer<ManagedDict<K, V>>("dev.coproc.ManagedDict", listOf(keys, values), { ManagedDict(it, keys, values) }, { it.ref })
