package dev.coproc.internal.handles

import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.SerializationException
import kotlinx.serialization.builtins.nullable
import kotlinx.serialization.builtins.serializer
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.descriptors.buildClassSerialDescriptor
import kotlinx.serialization.encoding.CompositeDecoder
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder
import kotlinx.serialization.encoding.decodeStructure
import kotlinx.serialization.encoding.encodeStructure

/**
 * What crosses in place of an object held by another engine (a cluster): which cluster, what kind, its name.
 * Plain data: decoding it resolves the name through a node of that cluster running in the decoding process.
 */
@Serializable
internal class RemoteHandle(val cluster: String, val kind: String, val name: String)

/**
 * Turns another engine's objects into [RemoteHandle]s and back in this process. The cluster engine installs
 * one when its first node starts here; core never names that engine's classes, so users of the local engine
 * need none of them.
 */
internal interface RemoteResolver {
    /** The handle of [value], or null when it is none of this engine's objects. */
    fun handleOf(value: Any): RemoteHandle?

    fun resolve(handle: RemoteHandle, itemSerializer: KSerializer<*>?): Any
}

/** Where this process's [RemoteResolver] is installed. */
internal object RemoteObjects {
    @Volatile var resolver: RemoteResolver? = null
}

/**
 * The serializer of an interface several engines implement (a shared counter, lock, queue...): a value crosses
 * as the local object's own handle, as a manager proxy's address ([managed], when the manager has such an
 * object) or as a [RemoteHandle], whichever engine made it, so a task's field typed with the interface carries
 * any of them. [unavailable] makes the error of a remote handle that no engine of this process resolves (the
 * public layer's exception, given by it).
 */
@OptIn(ExperimentalSerializationApi::class) // the nullable-element calls of kotlinx-serialization's composite encoder
internal open class EngineHandleSerializer<I : Any>(
    serialName: String,
    private val what: String,
    private val localClass: Class<*>,
    local: KSerializer<*>,
    private val itemSerializer: KSerializer<*>?,
    private val managedClass: Class<*>?,
    managed: KSerializer<*>?,
    private val unavailable: (String) -> Exception,
) : KSerializer<I> {
    @Suppress("UNCHECKED_CAST")
    private val local = (local as KSerializer<Any>).nullable
    @Suppress("UNCHECKED_CAST")
    private val managed = ((managed ?: NoManagedObject) as KSerializer<Any>).nullable
    private val remote = RemoteHandle.serializer().nullable

    override val descriptor: SerialDescriptor = buildClassSerialDescriptor(serialName) {
        element("local", this@EngineHandleSerializer.local.descriptor)
        element("managed", this@EngineHandleSerializer.managed.descriptor)
        element("remote", remote.descriptor)
    }

    override fun serialize(encoder: Encoder, value: I) {
        val isLocal = localClass.isInstance(value)
        val isManaged = managedClass?.isInstance(value) == true
        val remoteHandle = when {
            isLocal || isManaged -> null
            else -> RemoteObjects.resolver?.handleOf(value)
                ?: throw SerializationException("a $what of ${value::class.qualifiedName} cannot cross to another process: only coproc's own cross")
        }
        encoder.encodeStructure(descriptor) {
            encodeNullableSerializableElement(descriptor, 0, local, if (isLocal) value else null)
            encodeNullableSerializableElement(descriptor, 1, managed, if (isManaged) value else null)
            encodeNullableSerializableElement(descriptor, 2, remote, remoteHandle)
        }
    }

    @Suppress("UNCHECKED_CAST")
    override fun deserialize(decoder: Decoder): I = decoder.decodeStructure(descriptor) {
        var localValue: Any? = null
        var managedValue: Any? = null
        var remoteHandle: RemoteHandle? = null
        while (true) {
            when (val index = decodeElementIndex(descriptor)) {
                0 -> localValue = decodeNullableSerializableElement(descriptor, 0, local)
                1 -> managedValue = decodeNullableSerializableElement(descriptor, 1, managed)
                2 -> remoteHandle = decodeNullableSerializableElement(descriptor, 2, remote)
                CompositeDecoder.DECODE_DONE -> break
                else -> throw SerializationException("unexpected element $index in a $what handle")
            }
        }
        (localValue ?: managedValue ?: remoteHandle?.let { resolve(it) } ?: throw SerializationException("a $what handle names no object")) as I
    }

    private fun resolve(handle: RemoteHandle): Any =
        RemoteObjects.resolver?.resolve(handle, itemSerializer)
            ?: throw unavailable("a ${handle.kind} of cluster ${handle.cluster} (\"${handle.name}\") reached a process that runs no node of that cluster")
}

/** The manager element of an interface the manager has no object for (a shared counter): always absent. */
private object NoManagedObject : KSerializer<Unit> by Unit.serializer()
