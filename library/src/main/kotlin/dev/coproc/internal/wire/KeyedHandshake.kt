package dev.coproc.internal.wire

import java.security.MessageDigest
import java.security.SecureRandom
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

/**
 * The [Handshake] of a connection that must authenticate both ways (a manager's), over a [FramedSocket]:
 * Python's `authkey` done in both directions. Each side's hello carries a random 32-byte challenge, and each
 * proves it knows the key with an HMAC-SHA256 of the other's challenge, so neither a client nor a server
 * without the key gets past it, and the key itself never crosses.
 *
 * ```
 * server: hello(challenge S)
 * client: hello(challenge C, proof of S)
 * server: proof of C           (or DENIED, and it hangs up)
 * ```
 * A hello that is not one, or of another protocol version, fails with [FrameException.Reason.HANDSHAKE]; a
 * key that does not match, with [FrameException.Reason.AUTHENTICATION].
 */
internal object KeyedHandshake {
    const val NONCE_BYTES = 32
    private val DENIED = "coproc: authentication failed".encodeToByteArray()
    private val random = SecureRandom()
    private val pid = ProcessHandle.current().pid()

    /** A new random key. */
    fun newKey(): ByteArray = ByteArray(32).also(random::nextBytes)

    /**
     * The accepting side's part: true once the client proved it knows [key] (and got this side's proof);
     * false when it did not (it was told so). [maxPayload] is announced as the largest frame this side accepts.
     */
    suspend fun accept(socket: FramedSocket, key: ByteArray, maxPayload: Int, peer: String): Boolean {
        val challenge = nonce()
        sendHello(socket, maxPayload, challenge)
        val reply = receiveHello(socket, peer).extra()
        if (reply.size != 2 * NONCE_BYTES || !verify(proof(key, CLIENT, challenge), reply.copyOfRange(NONCE_BYTES, 2 * NONCE_BYTES))) {
            socket.send(Frame.HELLO, DENIED, 0, DENIED.size)
            return false
        }
        val proof = proof(key, SERVER, reply.copyOfRange(0, NONCE_BYTES))
        socket.send(Frame.HELLO, proof, 0, proof.size)
        return true
    }

    /** The connecting side's part: returns the server's hello once both sides proved they know [key]. */
    suspend fun connect(socket: FramedSocket, key: ByteArray, maxPayload: Int, peer: String): Handshake.Hello {
        val hello = receiveHello(socket, peer)
        if (hello.extra().size != NONCE_BYTES) throw FrameException(FrameException.Reason.HANDSHAKE, "$peer sent no challenge in its handshake")
        val mine = nonce()
        sendHello(socket, maxPayload, mine + proof(key, CLIENT, hello.extra()))
        val answer = socket.receive(Handshake.MAX_HELLO_BYTES, Frame.HELLO)
        if (answer.contentEquals(DENIED)) throw FrameException(FrameException.Reason.AUTHENTICATION, "$peer refused this key")
        if (!verify(proof(key, SERVER, mine), answer)) {
            throw FrameException(FrameException.Reason.AUTHENTICATION, "$peer did not prove it knows the key")
        }
        return hello
    }

    /** The proof that one side ([role]) knows [key], for the other side's [challenge]. */
    fun proof(key: ByteArray, role: String, challenge: ByteArray): ByteArray {
        val mac = Mac.getInstance("HmacSHA256")
        mac.init(SecretKeySpec(key, "HmacSHA256"))
        mac.update(role.encodeToByteArray())
        return mac.doFinal(challenge)
    }

    const val CLIENT = "client"
    const val SERVER = "server"

    private fun nonce(): ByteArray = ByteArray(NONCE_BYTES).also(random::nextBytes)

    /** Compares in constant time: how long a wrong proof takes to refuse must not tell how wrong it is. */
    private fun verify(expected: ByteArray, received: ByteArray): Boolean = MessageDigest.isEqual(expected, received)

    private suspend fun sendHello(socket: FramedSocket, maxPayload: Int, extra: ByteArray) {
        val hello = Handshake.hello(Handshake.PROTOCOL_VERSION, pid, maxPayload, extra)
        socket.send(Frame.HELLO, hello, 0, hello.size)
    }

    private suspend fun receiveHello(socket: FramedSocket, peer: String): Handshake.Hello =
        Handshake.parse(Frame.HELLO, socket.receive(Handshake.MAX_HELLO_BYTES, Frame.HELLO), peer)
}
