package dev.coproc.codec

import java.nio.ByteBuffer
import kotlinx.serialization.KSerializer
import kotlinx.serialization.builtins.ListSerializer

/**
 * Encodes the list of items (or results) of one map chunk. Lists of Int, Long, Double and String are packed
 * by hand (a format byte, a count, the values): CBOR spends ~100 ns per element on them, which caps a map at
 * a few million items per second; anything else, or a list holding a null, goes through CBOR.
 */
internal class ChunkCodec private constructor(element: KSerializer<Any?>) {
    private val generic = ListSerializer(element)
    private val packed: Packing? = Packing.entries.firstOrNull { it.serialName == element.descriptor.serialName.removeSuffix("?") }

    fun encode(values: List<Any?>): ByteArray {
        if (packed != null && values.none { it == null }) return packed.encode(values)
        val cbor = WireCodec.encode(generic, values)
        return ByteArray(cbor.size + 1).also { it[0] = GENERIC; cbor.copyInto(it, 1) }
    }

    fun decode(bytes: ByteArray): List<Any?> = ArrayList<Any?>().also { decodeInto(bytes, it) }

    /** Decodes [bytes], appending the values to [into]. */
    fun decodeInto(bytes: ByteArray, into: MutableList<Any?>) {
        require(bytes.isNotEmpty()) { "an empty chunk has no format byte" }
        if (bytes[0] == GENERIC) {
            into.addAll(WireCodec.decode(generic, bytes.copyOfRange(1, bytes.size)))
            return
        }
        val packing = Packing.entries.firstOrNull { it.format == bytes[0] }
            ?: throw IllegalArgumentException("unknown chunk format ${bytes[0]}")
        packing.decodeInto(ByteBuffer.wrap(bytes, 1, bytes.size - 1), into)
    }

    private enum class Packing(val format: Byte, val serialName: String) {
        INTS(1, "kotlin.Int") {
            override fun encode(values: List<Any?>) = buffer(values.size, values.size * 4).apply { values.forEach { putInt(it as Int) } }.array()
            override fun decodeInto(buffer: ByteBuffer, into: MutableList<Any?>) = repeat(buffer.getInt()) { into += buffer.getInt() }
        },
        LONGS(2, "kotlin.Long") {
            override fun encode(values: List<Any?>) = buffer(values.size, values.size * 8).apply { values.forEach { putLong(it as Long) } }.array()
            override fun decodeInto(buffer: ByteBuffer, into: MutableList<Any?>) = repeat(buffer.getInt()) { into += buffer.getLong() }
        },
        DOUBLES(3, "kotlin.Double") {
            override fun encode(values: List<Any?>) = buffer(values.size, values.size * 8).apply { values.forEach { putDouble(it as Double) } }.array()
            override fun decodeInto(buffer: ByteBuffer, into: MutableList<Any?>) = repeat(buffer.getInt()) { into += buffer.getDouble() }
        },
        STRINGS(4, "kotlin.String") {
            override fun encode(values: List<Any?>): ByteArray {
                val encoded = values.map { (it as String).toByteArray(Charsets.UTF_8) }
                val buffer = buffer(values.size, encoded.sumOf { it.size + 4 })
                encoded.forEach { buffer.putInt(it.size).put(it) }
                return buffer.array()
            }

            override fun decodeInto(buffer: ByteBuffer, into: MutableList<Any?>) = repeat(buffer.getInt()) {
                val bytes = ByteArray(buffer.getInt())
                buffer.get(bytes)
                into += String(bytes, Charsets.UTF_8)
            }
        };

        abstract fun encode(values: List<Any?>): ByteArray

        abstract fun decodeInto(buffer: ByteBuffer, into: MutableList<Any?>)

        /** A buffer holding the format byte and [count], with room for [payload] more bytes. */
        protected fun buffer(count: Int, payload: Int): ByteBuffer = ByteBuffer.allocate(5 + payload).put(format).putInt(count)
    }

    companion object {
        private const val GENERIC: Byte = 0

        fun of(element: KSerializer<Any?>): ChunkCodec = ChunkCodec(element)
    }
}
