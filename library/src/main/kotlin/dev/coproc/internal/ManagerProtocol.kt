package dev.coproc.internal

import java.nio.ByteBuffer
import java.security.MessageDigest
import java.security.SecureRandom
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

/** One call on a managed object: its id (0 is the manager itself), the method, the arguments as encoded values. */
internal class ManagerCall(val objectId: Long, val method: String, val args: List<ByteArray>) {
    /** `objectId`, the method (length-prefixed UTF-8), then each argument length-prefixed. */
    fun encode(): ByteArray {
        val name = method.encodeToByteArray()
        val buffer = ByteBuffer.allocate(8 + 4 + name.size + 4 + args.sumOf { 4 + it.size })
        buffer.putLong(objectId).putInt(name.size).put(name).putInt(args.size)
        args.forEach { buffer.putInt(it.size).put(it) }
        return buffer.array()
    }

    companion object {
        /** Decodes a call; anything else is a [ManagerProtocolException]. */
        fun decode(frame: ByteArray): ManagerCall = ManagerWire.reading(frame) { buffer ->
            val objectId = buffer.getLong()
            val method = ManagerWire.bytes(buffer).decodeToString()
            ManagerCall(objectId, method, List(ManagerWire.count(buffer)) { ManagerWire.bytes(buffer) })
        }
    }
}

/** A call's answer: encoded values, or the type and message of the error it raised in the manager. */
internal class ManagerAnswer(
    val values: List<ByteArray> = emptyList(),
    val errorType: String? = null,
    val errorMessage: String? = null,
) {
    /** A status byte (0: values follow; 1: an error's type and message follow), then length-prefixed fields. */
    fun encode(): ByteArray {
        val fields = if (errorType == null) values else listOf(errorType.encodeToByteArray(), (errorMessage ?: "").encodeToByteArray())
        val buffer = ByteBuffer.allocate(1 + 4 + fields.sumOf { 4 + it.size })
        buffer.put(if (errorType == null) 0 else 1).putInt(fields.size)
        fields.forEach { buffer.putInt(it.size).put(it) }
        return buffer.array()
    }

    companion object {
        fun decode(frame: ByteArray): ManagerAnswer = ManagerWire.reading(frame) { buffer ->
            val failed = buffer.get() == 1.toByte()
            val fields = List(ManagerWire.count(buffer)) { ManagerWire.bytes(buffer) }
            if (failed) ManagerAnswer(errorType = fields[0].decodeToString(), errorMessage = fields[1].decodeToString()) else ManagerAnswer(fields)
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
    inline fun <T> reading(frame: ByteArray, read: (ByteBuffer) -> T): T {
        val buffer = ByteBuffer.wrap(frame)
        val value = try {
            read(buffer)
        } catch (e: RuntimeException) {
            throw ManagerProtocolException("malformed frame of ${frame.size} bytes: $e")
        }
        if (buffer.hasRemaining()) throw ManagerProtocolException("${buffer.remaining()} bytes after the end of a frame")
        return value
    }

    fun count(buffer: ByteBuffer): Int = buffer.getInt().also { require(it in 0..buffer.remaining() / 4) { "bad count $it" } }

    fun bytes(buffer: ByteBuffer): ByteArray {
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
