package dev.coproc.internal.codec

import kotlinx.serialization.KSerializer

/**
 * How chunks of items travel for one map function class: the serializers of the function, of a list of its
 * items and of a list of its results. The public package makes one per function class (it knows the function
 * types) and applies the function; this side only encodes and decodes.
 */
internal class FunctionShape(
    val type: Class<*>,
    val functionSerializer: KSerializer<Any>,
    itemSerializer: KSerializer<Any?>,
    resultSerializer: KSerializer<Any?>,
) {
    private val items = ChunkCodec.of(itemSerializer)
    private val results = ChunkCodec.of(resultSerializer)

    fun encodeItems(chunk: List<Any?>): ByteArray = items.encode(chunk)

    fun decodeItems(bytes: ByteArray): List<Any?> = items.decode(bytes)

    fun encodeResults(chunk: List<Any?>): ByteArray = results.encode(chunk)

    fun decodeResults(bytes: ByteArray): List<Any?> = results.decode(bytes)
}
