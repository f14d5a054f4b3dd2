package dev.coproc.internal

import java.security.MessageDigest
import java.security.SecureRandom
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec
import kotlinx.serialization.Serializable

/** One call on a managed object: its id (0 is the manager itself), the method, the arguments as encoded values. */
@Serializable
internal class ManagerCall(val objectId: Long, val method: String, val args: List<ByteArray>)

/** A call's answer: encoded values, or the type and message of the error it raised in the manager. */
@Serializable
internal class ManagerAnswer(
    val values: List<ByteArray> = emptyList(),
    val errorType: String? = null,
    val errorMessage: String? = null,
)

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
