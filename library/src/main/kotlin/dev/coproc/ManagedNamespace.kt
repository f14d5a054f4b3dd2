package dev.coproc

import dev.coproc.internal.codec.MessageCodec
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.builtins.serializer
import kotlinx.serialization.serializer

/**
 * Named attributes owned by a [Manager], each holding a serializable value: Python's `Manager().Namespace()`.
 * Each attribute is read and written whole (a value read is a copy, see [ManagedDict]); each call is atomic.
 *
 * ```
 * namespace.set("x", 10); namespace.set("label", "ready")
 * val x: Int? = namespace.get("x")
 * ```
 */
@Serializable(with = ManagedNamespaceSerializer::class)
public class ManagedNamespace internal constructor(internal val ref: ManagedRef) {
    /** The attribute [name] decoded with [serializer], or null if it is not set. */
    public suspend fun <T> get(name: String, serializer: KSerializer<T>): T? =
        ref.call("get", names.encode(name)).firstOrNull()?.let(MessageCodec(serializer)::decodeMessage)

    /** Sets the attribute [name] to [value], encoded with [serializer]. */
    public suspend fun <T> set(name: String, value: T, serializer: KSerializer<T>) {
        ref.call("set", names.encode(name), MessageCodec(serializer).encode(value))
    }

    /** The attribute [name], or null if it is not set. */
    public suspend inline fun <reified T> get(name: String): T? = get(name, serializer<T>())

    /** Sets the attribute [name] to [value]. */
    public suspend inline fun <reified T> set(name: String, value: T): Unit = set(name, value, serializer<T>())

    /** The names set now. */
    public suspend fun names(): List<String> = ref.call("keys").map(names::decodeMessage)

    /** Removes the attribute [name]; true if it was set. */
    public suspend fun remove(name: String): Boolean = ref.call("remove", names.encode(name)).isNotEmpty()

    override fun toString(): String = ref.describe("ManagedNamespace")

    private companion object {
        val names = MessageCodec(String.serializer())
    }
}

internal object ManagedNamespaceSerializer :
    ManagedProxySerializer<ManagedNamespace>("dev.coproc.ManagedNamespace", emptyList(), ::ManagedNamespace, { it.ref })
