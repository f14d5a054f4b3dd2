package dev.coproc.internal.codec

import kotlinx.serialization.DeserializationStrategy
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.SerializationStrategy
import kotlinx.serialization.cbor.Cbor

/** The compact binary format of every message and task on the wire: CBOR, strict about unknown fields. */
@OptIn(ExperimentalSerializationApi::class)
internal object WireCodec {
    val cbor: Cbor = Cbor { encodeDefaults = true }

    fun <T> encode(serializer: SerializationStrategy<T>, value: T): ByteArray = cbor.encodeToByteArray(serializer, value)

    fun <T> decode(deserializer: DeserializationStrategy<T>, bytes: ByteArray): T =
        cbor.decodeFromByteArray(deserializer, bytes)

    fun encode(message: ToWorker): ByteArray = encode(ToWorker.serializer(), message)

    fun encode(message: FromWorker): ByteArray = encode(FromWorker.serializer(), message)

    fun decodeToWorker(bytes: ByteArray): ToWorker = decode(ToWorker.serializer(), bytes)

    fun decodeFromWorker(bytes: ByteArray): FromWorker = decode(FromWorker.serializer(), bytes)
}
