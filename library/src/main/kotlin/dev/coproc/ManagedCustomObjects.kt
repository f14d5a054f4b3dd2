package dev.coproc

import dev.coproc.internal.codec.TaskTypes
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.manager.ManagerSession
import dev.coproc.internal.manager.ObjectState

/** The interface a factory class makes objects of: the `T` of its `ManagedFactory<T>`. */
internal fun interfaceOf(factoryType: Class<*>): Class<Any> {
    val type = TaskTypes.argumentType(factoryType, ManagedFactory::class.java, 0)
    @Suppress("UNCHECKED_CAST")
    return (type as? Class<Any>)?.takeIf { it.isInterface }
        ?: throw IllegalArgumentException("${factoryType.name} must implement ManagedFactory<T> with an interface for T, not $type")
}

/** In the manager: makes an object of a registered type with its declared `@Serializable` factory. */
internal fun makeCustomObject(factoryType: String, factory: ByteArray): ObjectState {
    val type = TaskTypes.load(factoryType)
    val made = WireCodec.decode(factorySerializer(type), factory).create()
    return CustomObjectState(made, RemoteInterface.of(interfaceOf(type)))
}

/** How a factory of [type] travels: a `@Serializable` class (Kotlin) or a record (Java), implementing [ManagedFactory]. */
internal fun factorySerializer(type: Class<*>): kotlinx.serialization.KSerializer<ManagedFactory<*>> =
    if (type.isRecord) TaskTypes.declaredRecord(type, ManagedFactory::class.java) else TaskTypes.declaredSerializer(type, ManagedFactory::class.java)

/** An object of a registered type: calls run its interface's functions (see [RemoteInterface]). */
private class CustomObjectState(private val target: Any, private val calls: RemoteInterface<*>) : ObjectState {
    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> =
        listOf(calls.invoke(target, method, args))
}
