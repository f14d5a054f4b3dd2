package dev.coproc.internal.handles

import kotlinx.serialization.KSerializer
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder

/**
 * The one serializer of every handle that crosses to another process (a shared object, a queue, a pipe end,
 * read-only data, a manager's proxy): a handle crosses as its [form], plain data holding the
 * [DescriptorGrant]s of its descriptors ([HandOver.grant]), or an address, and whatever else rebuilding it
 * needs. A handle decoded while a task's arguments are read belongs to that task ([DecodedHandles]), which
 * closes it when it ends.
 *
 * A handle type declares only what is its own: what it [carry]s and how it is [rebuild]t.
 */
internal abstract class HandleSerializer<T : Any, F>(serialName: String, private val form: KSerializer<F>) : KSerializer<T> {
    final override val descriptor: SerialDescriptor = SerialDescriptor(serialName, form.descriptor)

    /** What crosses in place of [handle]; fails (a [kotlinx.serialization.SerializationException]) when it cannot. */
    protected abstract fun carry(handle: T): F

    /** The handle again, in the receiving process, from what [carry] sent. */
    protected abstract fun rebuild(form: F): T

    /** What the receiving task closes when it ends: the handle itself if it is closeable, unless its type says otherwise. */
    protected open fun closing(handle: T): AutoCloseable? = handle as? AutoCloseable

    final override fun serialize(encoder: Encoder, value: T) = encoder.encodeSerializableValue(form, carry(value))

    final override fun deserialize(decoder: Decoder): T =
        rebuild(decoder.decodeSerializableValue(form)).also { handle -> closing(handle)?.let { DecodedHandles.adopt(it) } }
}
