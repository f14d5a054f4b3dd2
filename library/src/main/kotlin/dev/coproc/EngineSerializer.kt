package dev.coproc

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

internal object RemoteObjects {
    @Volatile var resolver: RemoteResolver? = null

    fun resolve(handle: RemoteHandle, itemSerializer: KSerializer<*>?): Any =
        resolver?.resolve(handle, itemSerializer)
            ?: throw ClusterUnavailableException(
                "a ${handle.kind} of cluster ${handle.cluster} (\"${handle.name}\") reached a process that runs no node of that cluster",
            )
}

/**
 * The serializer of an interface several engines implement ([SharedCounter], [SharedLock], ...): a value
 * crosses as the local object's own handle, as a manager proxy's address ([managed], when the manager has such
 * an object) or as a [RemoteHandle], whichever engine made it, so a task's field typed with the interface
 * carries any of them.
 */
@OptIn(ExperimentalSerializationApi::class) // the nullable-element calls of kotlinx-serialization's composite encoder
internal open class EngineSerializer<I : Any>(
    serialName: String,
    private val what: String,
    private val localClass: Class<*>,
    local: KSerializer<*>,
    private val itemSerializer: KSerializer<*>? = null,
    private val managedClass: Class<*>? = null,
    managed: KSerializer<*>? = null,
) : KSerializer<I> {
    @Suppress("UNCHECKED_CAST")
    private val local = (local as KSerializer<Any>).nullable
    @Suppress("UNCHECKED_CAST")
    private val managed = (managed ?: NoManagedObject) as KSerializer<Any>
    private val managedOrNull = this.managed.nullable
    private val remote = RemoteHandle.serializer().nullable

    override val descriptor: SerialDescriptor = buildClassSerialDescriptor(serialName) {
        element("local", this@EngineSerializer.local.descriptor)
        element("managed", managedOrNull.descriptor)
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
            encodeNullableSerializableElement(descriptor, 1, managedOrNull, if (isManaged) value else null)
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
                1 -> managedValue = decodeNullableSerializableElement(descriptor, 1, managedOrNull)
                2 -> remoteHandle = decodeNullableSerializableElement(descriptor, 2, remote)
                CompositeDecoder.DECODE_DONE -> break
                else -> throw SerializationException("unexpected element $index in a $what handle")
            }
        }
        (localValue ?: managedValue ?: remoteHandle?.let { RemoteObjects.resolve(it, itemSerializer) }
            ?: throw SerializationException("a $what handle names no object")) as I
    }
}

/** The manager element of an interface the manager has no object for ([SharedCounter]): always absent. */
private object NoManagedObject : KSerializer<Unit> by Unit.serializer()
