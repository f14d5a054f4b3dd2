package dev.coproc.internal.codec

import kotlinx.serialization.DeserializationStrategy
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.SerializationStrategy
import kotlinx.serialization.cbor.Cbor

/**
 * The compact binary format on the wire: CBOR for tasks, results and messages of declared types, strict about
 * unknown fields; the worker protocol's own messages in [ProtocolCodec]'s fixed layout.
 */
@OptIn(ExperimentalSerializationApi::class)
internal object WireCodec {
    val cbor: Cbor = Cbor { encodeDefaults = true }

    fun <T> encode(serializer: SerializationStrategy<T>, value: T): ByteArray = cbor.encodeToByteArray(serializer, value)

    fun <T> decode(deserializer: DeserializationStrategy<T>, bytes: ByteArray): T =
        cbor.decodeFromByteArray(deserializer, bytes)

    /** A command for a worker, in the protocol's own layout ([ProtocolCodec]), not CBOR. */
    fun encode(message: ToWorker): ByteArray = ProtocolCodec.encode(message)

    fun encode(message: FromWorker): ByteArray = ProtocolCodec.encode(message)

    fun decodeToWorker(bytes: ByteArray): ToWorker = ProtocolCodec.decodeToWorker(bytes)

    fun decodeFromWorker(bytes: ByteArray): FromWorker = ProtocolCodec.decodeFromWorker(bytes)
}
