package dev.coproc.codec

import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerializationException

/**
 * Encodes the messages of a pipe or queue of [T]. Long, Int, Double and String travel as their plain bytes
 * (8, 4, 8, UTF-8): the general CBOR path costs several times the shared-memory copy for such small items.
 * A ByteArray travels as itself (CBOR would make it an array of integers, 1 to 2 bytes per byte and a
 * decoding step each). Everything else is CBOR. Both ends choose by the same declared type, so they always agree.
 */
internal class MessageCodec<T>(private val serializer: KSerializer<T>, nullableAsItsType: Boolean = false) {
    /**
     * [nullableAsItsType]: a `T?` serializer encodes like `T` (for a caller that never passes null, such as a
     * manager decoding a dict's values with the type argument it found by reflection, which is nullable).
     */
    private val kind = when (serializer.descriptor.serialName.let { if (nullableAsItsType) it.removeSuffix("?") else it }) {
        "kotlin.Long" -> LONG
        "kotlin.Int" -> INT
        "kotlin.Double" -> DOUBLE
        "kotlin.String" -> STRING
        "kotlin.ByteArray" -> BYTES
        else -> OTHER
    }

    fun encode(value: T): ByteArray = when (kind) {
        LONG -> longBytes(value as Long)
        INT -> intBytes(value as Int)
        DOUBLE -> longBytes((value as Double).toRawBits())
        STRING -> (value as String).encodeToByteArray()
        // A copy: the caller may change its array once the call returns, or while a put waits for room.
        BYTES -> (value as ByteArray).copyOf()
        else -> WireCodec.encode(serializer, value)
    }

    @Suppress("UNCHECKED_CAST")
    fun decode(bytes: ByteArray): T = when (kind) {
        LONG -> longOf(sized(bytes, 8)) as T
        INT -> intOf(sized(bytes, 4), 0) as T
        DOUBLE -> Double.fromBits(longOf(sized(bytes, 8))) as T
        STRING -> strictUtf8(bytes) as T
        BYTES -> bytes as T
        else -> WireCodec.decode(serializer, bytes)
    }

    private fun sized(bytes: ByteArray, expected: Int): ByteArray {
        if (bytes.size != expected) throw SerializationException("expected a $expected-byte ${serializer.descriptor.serialName}, got ${bytes.size} bytes")
        return bytes
    }

    // Plain shifts rather than a byte-array VarHandle: workers run the quick-start compiler, which does not
    // make a VarHandle call cheap, and these run once per item.
    private companion object {
        const val OTHER = 0
        const val LONG = 1
        const val INT = 2
        const val DOUBLE = 3
        const val STRING = 4
        const val BYTES = 5

        fun intBytes(value: Int) = byteArrayOf((value ushr 24).toByte(), (value ushr 16).toByte(), (value ushr 8).toByte(), value.toByte())

        fun longBytes(value: Long) = ByteArray(8).also {
            for (i in 0 until 8) it[i] = (value ushr (56 - 8 * i)).toByte()
        }

        fun intOf(bytes: ByteArray, at: Int): Int =
            (bytes[at].toInt() and 0xff shl 24) or (bytes[at + 1].toInt() and 0xff shl 16) or
                (bytes[at + 2].toInt() and 0xff shl 8) or (bytes[at + 3].toInt() and 0xff)

        fun longOf(bytes: ByteArray): Long = (intOf(bytes, 0).toLong() shl 32) or (intOf(bytes, 4).toLong() and 0xffffffffL)

        /**
         * UTF-8 that must be valid, as the strict decoder requires, at the JDK's fast decoding speed: the
         * lenient decode marks bad input with U+FFFD, and only a string holding one is decoded again strictly
         * (which throws if the input was bad).
         */
        fun strictUtf8(bytes: ByteArray): String {
            val text = String(bytes, Charsets.UTF_8)
            if (text.indexOf('\uFFFD') < 0) return text
            try {
                return bytes.decodeToString(throwOnInvalidSequence = true)
            } catch (e: java.nio.charset.CharacterCodingException) {
                throw SerializationException("${bytes.size} bytes are not valid UTF-8", e)
            }
        }
    }
}
