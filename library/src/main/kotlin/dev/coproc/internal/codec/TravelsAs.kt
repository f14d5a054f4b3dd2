package dev.coproc.internal.codec

import kotlinx.serialization.KSerializer
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder

/**
 * Values of [O] that travel as the [I] they wrap: encoded as [unwrap] gives it, decoded and then [wrap]ped. Open
 * for the Java facades, whose serializers (named in their `@Serializable(with = ...)`) are subclasses.
 */
internal open class TravelsAs<O, I>(
    private val inner: KSerializer<I>,
    private val wrap: (I) -> O,
    private val unwrap: (O) -> I,
) : KSerializer<O> {
    final override val descriptor: SerialDescriptor = inner.descriptor

    final override fun serialize(encoder: Encoder, value: O) = inner.serialize(encoder, unwrap(value))

    final override fun deserialize(decoder: Decoder): O = wrap(inner.deserialize(decoder))
}
