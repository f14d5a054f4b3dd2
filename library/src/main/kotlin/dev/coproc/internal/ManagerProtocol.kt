package dev.coproc.internal

import java.security.MessageDigest
import java.security.SecureRandom
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

/**
 * One call on a managed object: the caller's [callId] (answers come back tagged with it, in any order), the
 * object's id (0 is the manager itself), the method, the arguments as encoded values.
 */
internal class ManagerCall(val callId: Int, val objectId: Long, val method: String, val args: List<ByteArray>) {
    /** A kind byte, `callId`, `objectId`, the method (length-prefixed UTF-8), then each argument length-prefixed. */
    fun encode(): ByteArray {
        val name = method.encodeToByteArray()
        val buffer = WireBuffer.allocate(1 + 4 + 8 + 4 + name.size + 4 + args.sumOf { 4 + it.size })
        buffer.put(CALL).putInt(callId).putLong(objectId).putInt(name.size).put(name).putInt(args.size)
        args.forEach { buffer.putInt(it.size).put(it) }
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
                    val method = ManagerWire.bytes(buffer).decodeToString()
                    ManagerCall(callId, objectId, method, List(ManagerWire.count(buffer)) { ManagerWire.bytes(buffer) })
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
        val buffer = WireBuffer.allocate(1 + 4 + 4 + fields.sumOf { 4 + it.size })
        buffer.put(if (cancelled) 2 else if (errorType == null) 0 else 1).putInt(callId).putInt(fields.size)
        fields.forEach { buffer.putInt(it.size).put(it) }
        return buffer.array()
    }

    companion object {
        fun decode(frame: ByteArray): ManagerAnswer = ManagerWire.reading(frame) { buffer ->
            val status = buffer.get().toInt()
            val callId = buffer.getInt()
            val fields = List(ManagerWire.count(buffer)) { ManagerWire.bytes(buffer) }
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
    inline fun <T> reading(frame: ByteArray, read: (WireBuffer) -> T): T {
        val buffer = WireBuffer(frame)
        val value = try {
            read(buffer)
        } catch (e: RuntimeException) {
            throw ManagerProtocolException("malformed frame of ${frame.size} bytes: $e")
        }
        if (buffer.hasRemaining()) throw ManagerProtocolException("${buffer.remaining()} bytes after the end of a frame")
        return value
    }

    fun of(value: Long): ByteArray = WireBuffer.allocate(8).putLong(value).array()
    fun of(value: Int): ByteArray = WireBuffer.allocate(4).putInt(value).array()
    fun of(value: Boolean): ByteArray = byteArrayOf(if (value) 1 else 0)
    fun long(bytes: ByteArray): Long = reading(bytes) { it.getLong() }
    fun int(bytes: ByteArray): Int = reading(bytes) { it.getInt() }
    fun boolean(bytes: ByteArray): Boolean = reading(bytes) { it.get() != 0.toByte() }

    fun count(buffer: WireBuffer): Int = buffer.getInt().also { require(it in 0..buffer.remaining() / 4) { "bad count $it" } }

    fun bytes(buffer: WireBuffer): ByteArray {
        val length = buffer.getInt()
        require(length in 0..buffer.remaining()) { "bad length $length" }
        return ByteArray(length).also { buffer.get(it) }
    }
}

/**
 * The mutual authentication every connection starts with, Python's `authkey` done both ways: each side sends
 * a random 32-byte challenge and proves it knows the key with an HMAC-SHA256 of the other's challenge, so
 * neither a client nor a server without the key gets past it, and the key itself never crosses.
 */
internal object ManagerHandshake {
    const val NONCE_BYTES = 32
    const val MAX_FRAME = 1024
    val DENIED = "coproc-manager: authentication failed".encodeToByteArray()
    private val random = SecureRandom()

    fun nonce(): ByteArray = ByteArray(NONCE_BYTES).also(random::nextBytes)

    fun newKey(): ByteArray = ByteArray(32).also(random::nextBytes)

    /** The proof that one side ("client" or "server") knows [key], for the other side's [challenge]. */
    fun proof(key: ByteArray, role: String, challenge: ByteArray): ByteArray {
        val mac = Mac.getInstance("HmacSHA256")
        mac.init(SecretKeySpec(key, "HmacSHA256"))
        mac.update(role.encodeToByteArray())
        return mac.doFinal(challenge)
    }

    /** Compares in constant time: how long a wrong proof takes to refuse must not tell how wrong it is. */
    fun verify(expected: ByteArray, received: ByteArray): Boolean = MessageDigest.isEqual(expected, received)
}

/**
 * A big-endian cursor over a byte array, the part of `ByteBuffer` the manager's frames use: a worker runs
 * with the quick-start compiler, where a `ByteBuffer`'s construction per frame showed in profiles.
 * Reading past the end throws [IndexOutOfBoundsException].
 */
internal class WireBuffer(private val bytes: ByteArray) {
    private var position = 0

    fun array(): ByteArray = bytes
    fun remaining(): Int = bytes.size - position
    fun hasRemaining(): Boolean = position < bytes.size

    fun put(value: Byte): WireBuffer = apply { bytes[position++] = value }

    fun putInt(value: Int): WireBuffer = apply {
        bytes[position] = (value ushr 24).toByte()
        bytes[position + 1] = (value ushr 16).toByte()
        bytes[position + 2] = (value ushr 8).toByte()
        bytes[position + 3] = value.toByte()
        position += 4
    }

    fun putLong(value: Long): WireBuffer = putInt((value ushr 32).toInt()).putInt(value.toInt())

    fun put(value: ByteArray): WireBuffer = apply {
        value.copyInto(bytes, position)
        position += value.size
    }

    fun get(): Byte {
        if (position >= bytes.size) throw IndexOutOfBoundsException("frame ends at ${bytes.size}")
        return bytes[position++]
    }

    fun getInt(): Int {
        if (position + 4 > bytes.size) throw IndexOutOfBoundsException("frame ends at ${bytes.size}")
        val value = (bytes[position].toInt() and 0xff shl 24) or (bytes[position + 1].toInt() and 0xff shl 16) or
            (bytes[position + 2].toInt() and 0xff shl 8) or (bytes[position + 3].toInt() and 0xff)
        position += 4
        return value
    }

    fun getLong(): Long = (getInt().toLong() shl 32) or (getInt().toLong() and 0xffffffffL)

    fun get(into: ByteArray) {
        if (position + into.size > bytes.size) throw IndexOutOfBoundsException("frame ends at ${bytes.size}")
        bytes.copyInto(into, 0, position, position + into.size)
        position += into.size
    }

    companion object {
        fun allocate(size: Int) = WireBuffer(ByteArray(size))
    }
}
