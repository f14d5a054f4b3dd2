package dev.coproc.internal.codec

import java.nio.BufferUnderflowException
import java.nio.ByteBuffer
import kotlinx.serialization.SerializationException
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
        if (packed != null && (values.isPrimitive() || values.none { it == null })) return packed.encode(values)
        val cbor = WireCodec.encode(generic, values)
        return ByteArray(cbor.size + 1).also { it[0] = GENERIC; cbor.copyInto(it, 1) }
    }

    /** The values of a chunk; Ints, Longs and Doubles come back unboxed, in a [PackedInts] (...) view. */
    fun decode(bytes: ByteArray): List<Any?> {
        require(bytes.isNotEmpty()) { "an empty chunk has no format byte" }
        if (bytes[0] == GENERIC) return WireCodec.decode(generic, bytes.copyOfRange(1, bytes.size))
        val packing = Packing.entries.firstOrNull { it.format == bytes[0] }
            ?: throw IllegalArgumentException("unknown chunk format ${bytes[0]}")
        val buffer = ByteBuffer.wrap(bytes, 1, bytes.size - 1)
        return try {
            val count = buffer.getInt()
            if (count < 0 || count > buffer.remaining()) throw SerializationException("a chunk cannot hold $count values in ${buffer.remaining()} bytes")
            packing.decode(buffer, count)
        } catch (e: BufferUnderflowException) {
            throw SerializationException("a ${packing.name.lowercase()} chunk ends early", e)
        }
    }

    private enum class Packing(val format: Byte, val serialName: String) {
        INTS(1, "kotlin.Int") {
            override fun encode(values: List<Any?>): ByteArray {
                val buffer = buffer(values.size, values.size * 4)
                val ints = buffer.asIntBuffer()
                when (values) {
                    is IntProgressionList -> for (i in 0 until values.size) ints.put(values.valueAt(i))
                    is PackedInts -> ints.put(values.values, 0, values.size)
                    else -> for (value in values) ints.put(value as Int)
                }
                return buffer.array()
            }
            override fun decode(buffer: ByteBuffer, count: Int): List<Any?> = PackedInts(IntArray(count).also { buffer.asIntBuffer().get(it) })
        },
        LONGS(2, "kotlin.Long") {
            override fun encode(values: List<Any?>): ByteArray {
                val buffer = buffer(values.size, values.size * 8)
                val longs = buffer.asLongBuffer()
                when (values) {
                    is LongProgressionList -> for (i in 0 until values.size) longs.put(values.valueAt(i))
                    is PackedLongs -> longs.put(values.values, 0, values.size)
                    else -> for (value in values) longs.put(value as Long)
                }
                return buffer.array()
            }
            override fun decode(buffer: ByteBuffer, count: Int): List<Any?> = PackedLongs(LongArray(count).also { buffer.asLongBuffer().get(it) })
        },
        DOUBLES(3, "kotlin.Double") {
            override fun encode(values: List<Any?>): ByteArray {
                val buffer = buffer(values.size, values.size * 8)
                val doubles = buffer.asDoubleBuffer()
                if (values is PackedDoubles) doubles.put(values.values, 0, values.size) else for (value in values) doubles.put(value as Double)
                return buffer.array()
            }
            override fun decode(buffer: ByteBuffer, count: Int): List<Any?> = PackedDoubles(DoubleArray(count).also { buffer.asDoubleBuffer().get(it) })
        },
        STRINGS(4, "kotlin.String") {
            override fun encode(values: List<Any?>): ByteArray {
                val encoded = values.map { (it as String).toByteArray(Charsets.UTF_8) }
                val buffer = buffer(values.size, encoded.sumOf { it.size + 4 })
                encoded.forEach { buffer.putInt(it.size).put(it) }
                return buffer.array()
            }

            override fun decode(buffer: ByteBuffer, count: Int): List<Any?> = List(count) {
                val bytes = ByteArray(buffer.getInt())
                buffer.get(bytes)
                String(bytes, Charsets.UTF_8)
            }
        };

        abstract fun encode(values: List<Any?>): ByteArray

        abstract fun decode(buffer: ByteBuffer, count: Int): List<Any?>

        /** A buffer holding the format byte and [count], with room for [payload] more bytes. */
        protected fun buffer(count: Int, payload: Int): ByteBuffer = ByteBuffer.allocate(5 + payload).put(format).putInt(count)
    }

    companion object {
        private const val GENERIC: Byte = 0

        private fun List<Any?>.isPrimitive() =
            this is IntProgressionList || this is LongProgressionList || this is PackedInts || this is PackedLongs || this is PackedDoubles

        fun of(element: KSerializer<Any?>): ChunkCodec = ChunkCodec(element)
    }
}
