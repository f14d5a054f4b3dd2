package dev.coproc.internal.manager

import dev.coproc.internal.wire.BigEndian
import dev.coproc.internal.wire.WireBuffer
import dev.coproc.internal.wire.readWhole

/**
 * One call on a managed object: the caller's [callId] (answers come back tagged with it, in any order), the
 * object's id (0 is the manager itself), the method, the arguments as encoded values.
 */
internal class ManagerCall(val callId: Int, val objectId: Long, val method: String, val args: List<ByteArray>) {
    /** A kind byte, `callId`, `objectId`, the method (length-prefixed UTF-8), then each argument length-prefixed. */
    fun encode(): ByteArray {
        val name = method.encodeToByteArray()
        val buffer = WireBuffer.allocate(1 + 4 + 8 + WireBuffer.sizedBytes(name) + 4 + args.sumOf { WireBuffer.sizedBytes(it) })
        buffer.put(CALL).putInt(callId).putLong(objectId).putSized(name).putInt(args.size)
        args.forEach(buffer::putSized)
        return buffer.array()
    }

    companion object {
        const val CALL: Byte = 1
        const val CANCEL: Byte = 2

        /** Asks the manager to give up the call [callId] if it still waits (a queue's get, a lock's acquire...). */
        fun cancel(callId: Int): ByteArray = WireBuffer.allocate(5).put(CANCEL).putInt(callId).array()

        /** Decodes a call or a cancel (a call with no object, method or arguments); anything else is a [ManagerProtocolException]. */
        fun decode(frame: ByteArray): ManagerCall = ManagerWire.reading(frame) { buffer ->
            when (buffer.get()) {
                CALL -> {
                    val callId = buffer.getInt()
                    val objectId = buffer.getLong()
                    val method = buffer.getSized().decodeToString()
                    ManagerCall(callId, objectId, method, List(buffer.getCount()) { buffer.getSized() })
                }
                CANCEL -> ManagerCall(buffer.getInt(), CANCELLING, "", emptyList())
                else -> throw IllegalArgumentException("unknown frame kind")
            }
        }

        /** The [objectId] of a decoded cancel. */
        const val CANCELLING = -1L
    }
}

/**
 * A call's answer, tagged with its call's id: encoded values, the type and message of the error it raised in
 * the manager, or word that it was cancelled before it did anything.
 */
internal class ManagerAnswer(
    val callId: Int,
    val values: List<ByteArray> = emptyList(),
    val errorType: String? = null,
    val errorMessage: String? = null,
    val cancelled: Boolean = false,
) {
    /** A status byte (0: values; 1: an error's type and message; 2: cancelled), `callId`, then length-prefixed fields. */
    fun encode(): ByteArray {
        val fields = if (errorType == null) values else listOf(errorType.encodeToByteArray(), (errorMessage ?: "").encodeToByteArray())
        val buffer = WireBuffer.allocate(1 + 4 + 4 + fields.sumOf { WireBuffer.sizedBytes(it) })
        buffer.put(if (cancelled) 2 else if (errorType == null) 0 else 1).putInt(callId).putInt(fields.size)
        fields.forEach(buffer::putSized)
        return buffer.array()
    }

    companion object {
        fun decode(frame: ByteArray): ManagerAnswer = ManagerWire.reading(frame) { buffer ->
            val status = buffer.get().toInt()
            val callId = buffer.getInt()
            val fields = List(buffer.getCount()) { buffer.getSized() }
            when (status) {
                0 -> ManagerAnswer(callId, fields)
                1 -> ManagerAnswer(callId, errorType = fields[0].decodeToString(), errorMessage = fields[1].decodeToString())
                2 -> ManagerAnswer(callId, cancelled = true)
                else -> throw IllegalArgumentException("unknown answer status $status")
            }
        }
    }
}

/** A frame that is not a manager call or answer. */
internal class ManagerProtocolException(message: String) : Exception(message)

/**
 * The manager's frames, in a plain binary layout rather than CBOR: a call is a few fields of bytes, and on a
 * round trip of tens of microseconds a general encoder's cost shows.
 */
internal object ManagerWire {
    inline fun <T> reading(frame: ByteArray, read: (WireBuffer) -> T): T =
        readWhole(frame, "a frame", { message, _ -> ManagerProtocolException(message) }, read)

    fun of(value: Long): ByteArray = BigEndian.ofLong(value)
    fun of(value: Int): ByteArray = BigEndian.ofInt(value)
    fun of(value: Boolean): ByteArray = byteArrayOf(if (value) 1 else 0)
    fun long(bytes: ByteArray): Long = reading(bytes) { it.getLong() }
    fun int(bytes: ByteArray): Int = reading(bytes) { it.getInt() }
    fun boolean(bytes: ByteArray): Boolean = reading(bytes) { it.get() != 0.toByte() }
}
