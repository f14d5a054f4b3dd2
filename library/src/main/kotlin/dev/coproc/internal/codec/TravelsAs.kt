package dev.coproc.internal.codec

import kotlinx.serialization.KSerializer
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder

/** Values of [O] that travel as the [I] they wrap: encoded as [unwrap] gives it, decoded and then [wrap]ped. */
internal class TravelsAs<O, I>(
    private val inner: KSerializer<I>,
    private val wrap: (I) -> O,
    private val unwrap: (O) -> I,
) : KSerializer<O> {
    override val descriptor: SerialDescriptor = inner.descriptor

    override fun serialize(encoder: Encoder, value: O) = inner.serialize(encoder, unwrap(value))

    override fun deserialize(decoder: Decoder): O = wrap(inner.deserialize(decoder))
}
