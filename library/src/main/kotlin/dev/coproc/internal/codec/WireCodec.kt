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

    /*
     * Built once: a sealed class's generated serializer() builds a new SealedClassSerializer (and its
     * descriptors) on every call, which a profile showed on every task's way out and its reply's way back.
     */
    private val toWorker = ToWorker.serializer()
    private val fromWorker = FromWorker.serializer()

    fun encode(message: ToWorker): ByteArray = encode(toWorker, message)

    fun encode(message: FromWorker): ByteArray = encode(fromWorker, message)

    fun decodeToWorker(bytes: ByteArray): ToWorker = decode(toWorker, bytes)

    fun decodeFromWorker(bytes: ByteArray): FromWorker = decode(fromWorker, bytes)
}
