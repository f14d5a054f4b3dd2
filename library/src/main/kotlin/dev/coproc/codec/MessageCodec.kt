package dev.coproc.codec

import java.lang.invoke.MethodHandles
import java.lang.invoke.VarHandle
import java.nio.ByteOrder
import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerializationException

/**
 * Encodes the messages of a pipe or queue of [T]. Long, Int, Double and String travel as their plain bytes
 * (8, 4, 8, UTF-8): the general CBOR path costs several times the shared-memory copy for such small items.
 * Everything else is CBOR. Both ends choose by the same declared type, so they always agree.
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
        else -> OTHER
    }

    fun encode(value: T): ByteArray = when (kind) {
        LONG -> ByteArray(8).also { LONGS.set(it, 0, value as Long) }
        INT -> ByteArray(4).also { INTS.set(it, 0, value as Int) }
        DOUBLE -> ByteArray(8).also { LONGS.set(it, 0, (value as Double).toRawBits()) }
        STRING -> (value as String).encodeToByteArray()
        else -> WireCodec.encode(serializer, value)
    }

    @Suppress("UNCHECKED_CAST")
    fun decode(bytes: ByteArray): T = when (kind) {
        LONG -> LONGS.get(sized(bytes, 8), 0) as Long as T
        INT -> INTS.get(sized(bytes, 4), 0) as Int as T
        DOUBLE -> Double.fromBits(LONGS.get(sized(bytes, 8), 0) as Long) as T
        STRING -> bytes.decodeToString(throwOnInvalidSequence = true) as T
        else -> WireCodec.decode(serializer, bytes)
    }

    private fun sized(bytes: ByteArray, expected: Int): ByteArray {
        if (bytes.size != expected) throw SerializationException("expected a $expected-byte ${serializer.descriptor.serialName}, got ${bytes.size} bytes")
        return bytes
    }

    private companion object {
        const val OTHER = 0
        const val LONG = 1
        const val INT = 2
        const val DOUBLE = 3
        const val STRING = 4
        val LONGS: VarHandle = MethodHandles.byteArrayViewVarHandle(LongArray::class.java, ByteOrder.BIG_ENDIAN)
        val INTS: VarHandle = MethodHandles.byteArrayViewVarHandle(IntArray::class.java, ByteOrder.BIG_ENDIAN)
    }
}
