package dev.coproc.internal.codec

import dev.coproc.internal.wire.BigEndian
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
        LONG -> BigEndian.ofLong(value as Long)
        INT -> BigEndian.ofInt(value as Int)
        DOUBLE -> BigEndian.ofLong((value as Double).toRawBits())
        STRING -> (value as String).encodeToByteArray()
        // A copy: the caller may change its array once the call returns, or while a put waits for room.
        BYTES -> (value as ByteArray).copyOf()
        else -> WireCodec.encode(serializer, value)
    }

    @Suppress("UNCHECKED_CAST")
    fun decode(bytes: ByteArray): T = when (kind) {
        LONG -> BigEndian.getLong(sized(bytes, 8), 0) as T
        INT -> BigEndian.getInt(sized(bytes, 4), 0) as T
        DOUBLE -> Double.fromBits(BigEndian.getLong(sized(bytes, 8), 0)) as T
        STRING -> strictUtf8(bytes) as T
        BYTES -> bytes as T
        else -> WireCodec.decode(serializer, bytes)
    }

    private fun sized(bytes: ByteArray, expected: Int): ByteArray {
        if (bytes.size != expected) throw SerializationException("expected a $expected-byte ${serializer.descriptor.serialName}, got ${bytes.size} bytes")
        return bytes
    }

    companion object {
        private const val OTHER = 0
        private const val LONG = 1
        private const val INT = 2
        private const val DOUBLE = 3
        private const val STRING = 4
        private const val BYTES = 5

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
