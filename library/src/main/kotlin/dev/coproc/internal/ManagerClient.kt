package dev.coproc.internal

import dev.coproc.ManagerAuthenticationException
import dev.coproc.ManagerCallException
import dev.coproc.ManagerUnavailableException
import dev.coproc.os.OsException
import dev.coproc.os.UnixListener
import java.nio.file.Path
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

/**
 * This process's connection to one manager: connected and authenticated on first use, one call at a time.
 * A lost connection fails the call in progress with [ManagerUnavailableException], and the next call connects
 * again (the manager may have been the one that went away, or only the connection).
 */
internal class ManagerClient(private val address: String, private val key: ByteArray) {
    private val mutex = Mutex()
    private var connection: FramedSocket? = null

    suspend fun call(objectId: Long, method: String, args: List<ByteArray>): List<ByteArray> = mutex.withLock {
        val request = ManagerCall(objectId, method, args).encode()
        val answer = try {
            val open = connection ?: connect().also { connection = it }
            open.send(request, 0, request.size)
            ManagerAnswer.decode(open.receive(MAX_ANSWER))
        } catch (e: FramedSocket.Ended) {
            drop()
            throw ManagerUnavailableException(address)
        } catch (e: FramedSocket.Broken) {
            drop()
            throw ManagerUnavailableException(address)
        } catch (e: ManagerProtocolException) {
            drop()
            throw ManagerUnavailableException(address, e)
        }
        answer.errorType?.let { throw ManagerCallException(it, answer.errorMessage ?: "") }
        answer.values
    }

    private suspend fun connect(): FramedSocket {
        val socket = try {
            UnixListener.connect(Path.of(address))
        } catch (e: OsException) {
            throw ManagerUnavailableException(address, e)
        }
        val framed = FramedSocket(socket, spinNanos = ANSWER_SPIN_NANOS)
        try {
            val challenge = framed.receive(ManagerHandshake.MAX_FRAME)
            val mine = ManagerHandshake.nonce()
            val reply = ManagerHandshake.proof(key, "client", challenge) + mine
            framed.send(reply, 0, reply.size)
            val proof = framed.receive(ManagerHandshake.MAX_FRAME)
            if (proof.contentEquals(ManagerHandshake.DENIED)) throw ManagerAuthenticationException(address, "the manager refused this key")
            if (!ManagerHandshake.verify(ManagerHandshake.proof(key, "server", mine), proof)) {
                throw ManagerAuthenticationException(address, "the server did not prove it knows the key")
            }
            return framed
        } catch (e: FramedSocket.Ended) {
            framed.close()
            throw ManagerUnavailableException(address)
        } catch (e: Throwable) {
            framed.close()
            throw e
        }
    }

    private fun drop() {
        connection?.close()
        connection = null
    }

    fun close() {
        connection?.close()
        connection = null
    }

    companion object {
        const val MAX_ANSWER = 64 * 1024 * 1024
        /** A manager answers a call in microseconds: looking for it this long before sleeping saves two thread hand-offs. */
        const val ANSWER_SPIN_NANOS = 50_000L
        private val clients = ConcurrentHashMap<String, ManagerClient>()

        /** This process's client of the manager at [address] (one connection per manager and process). */
        fun of(address: String, key: ByteArray): ManagerClient = clients.computeIfAbsent(address) { ManagerClient(address, key) }

        /** Forgets (and disconnects) the client of a manager that was shut down. */
        fun forget(address: String) {
            clients.remove(address)?.close()
        }
    }
}
