package dev.coproc.internal.manager

import dev.coproc.internal.os.FdPoller
import dev.coproc.internal.os.OsException
import dev.coproc.internal.os.TcpListener
import dev.coproc.internal.os.UnixListener
import dev.coproc.internal.wire.FrameException
import dev.coproc.internal.wire.FramedSocket
import dev.coproc.internal.wire.KeyedHandshake
import java.io.IOException
import java.nio.file.Path
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.resume
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull

/**
 * This process's connection to one manager, shared by all its coroutines: calls are tagged with ids, so any
 * number can be in flight (a queue's get waiting in the manager does not hold up a dict's set), and answers
 * come back in any order.
 *
 * No thread of its own reads the answers: a caller waiting for its answer reads the connection for everyone
 * (handing others' answers over) until its own arrives, then passes the reading on to a caller still waiting.
 * A lone caller so reads its answer itself, with no thread hand-off on the way.
 *
 * A lost connection fails the calls in flight with [ManagerFailure.Unavailable], and the next call connects
 * again (the manager may have been the one that went away, or only the connection).
 */
internal class ManagerClient(private val address: String, private val key: ByteArray) {
    /**
     * A call in flight: its answer (or failure) once known, and a wake-up for its caller. The wake-up is an
     * atomic slot rather than a channel: a call is made in microseconds, and a channel's allocation showed.
     */
    private class Pending {
        @Volatile var outcome: Any? = null
        private val sleeper = AtomicReference<Any?>(null)

        fun finish(result: Any) {
            outcome = result
            wake()
        }

        /** Wakes the caller: resumes it if it sleeps, or makes its next [sleep] return at once. */
        fun wake() {
            val previous = sleeper.getAndSet(WOKEN)
            if (previous is CancellableContinuation<*>) {
                sleeper.compareAndSet(WOKEN, null)
                @Suppress("UNCHECKED_CAST")
                (previous as CancellableContinuation<Unit>).resume(Unit)
            }
        }

        suspend fun sleep() {
            if (sleeper.compareAndSet(WOKEN, null)) return
            suspendCancellableCoroutine { continuation ->
                if (!sleeper.compareAndSet(null, continuation)) {
                    sleeper.set(null) // woken in between
                    continuation.resume(Unit)
                } else {
                    continuation.invokeOnCancellation { sleeper.compareAndSet(continuation, null) }
                }
            }
        }

        private companion object {
            val WOKEN = Any()
        }
    }

    private val connecting = Mutex()
    private val sending = Mutex()
    @Volatile private var connection: FramedSocket? = null
    /** The calls not answered yet: an answer (or a lost connection) removes its call before finishing it. */
    private val pending = ConcurrentHashMap<Int, Pending>()
    private val nextCallId = AtomicInteger()
    private val reading = AtomicBoolean()

    /**
     * Calls [method] on object [objectId]. A cancelled caller's call that may wait in the manager ([waits]) is
     * cancelled there too; if it had already done its work, [undo] gives back what it took.
     */
    suspend fun call(
        objectId: Long,
        method: String,
        args: List<ByteArray>,
        waits: Boolean = false,
        undo: (suspend (List<ByteArray>) -> Unit)? = null,
    ): List<ByteArray> {
        val open = connection ?: connect()
        val callId = nextCallId.incrementAndGet()
        val call = Pending()
        pending[callId] = call
        val request = ManagerCall(callId, objectId, method, args).encode()
        try {
            sending.withLock { open.send(request, 0, request.size) }
        } catch (e: Throwable) {
            pending.remove(callId)
            throw lost(open, e)
        }
        val answer = try {
            awaitAnswer(open, call)
        } catch (e: CancellationException) {
            if (!waits) {
                pending.remove(callId)
                throw e
            }
            withContext(NonCancellable) { cancelInManager(open, callId, call, undo) }
            throw e
        }
        answer.errorType?.let { throw ManagerFailure.Answered(it, answer.errorMessage ?: "") }
        return answer.values
    }

    /** Asks the manager to give up a waiting call; if it had already finished, gives back what it took. */
    private suspend fun cancelInManager(open: FramedSocket, callId: Int, call: Pending, undo: (suspend (List<ByteArray>) -> Unit)?) {
        val late = try {
            val cancel = ManagerCall.cancel(callId)
            sending.withLock { open.send(cancel, 0, cancel.size) }
            awaitAnswer(open, call)
        } catch (e: Exception) {
            return // The manager is gone: nothing to give back to.
        }
        if (!late.cancelled && late.errorType == null) runCatching { undo?.invoke(late.values) }
    }

    private suspend fun awaitAnswer(open: FramedSocket, call: Pending): ManagerAnswer {
        while (true) {
            call.outcome?.let { return outcomeOf(it) }
            if (reading.compareAndSet(false, true)) {
                // Resumed by the poller, the reading goes on in the poller's thread rather than in this caller's
                // dispatcher, which may be one thread blocked by another caller of this process waiting for its
                // answer (a blocking call made on a single-threaded dispatcher): that answer is read regardless.
                withContext(Dispatchers.Unconfined) {
                    try {
                        while (call.outcome == null) readOne(open)
                    } finally {
                        reading.set(false)
                        readOn()
                    }
                }
            } else {
                call.sleep()
            }
        }
    }

    private fun outcomeOf(outcome: Any): ManagerAnswer = when (outcome) {
        is ManagerAnswer -> outcome
        else -> throw outcome as Throwable
    }

    /** Reads one answer and hands it to its caller; a lost connection fails every call in flight. */
    private suspend fun readOne(open: FramedSocket) {
        val frame = try {
            open.receive(MAX_ANSWER)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Throwable) {
            throw lost(open, e)
        }
        val answer = try {
            ManagerAnswer.decode(frame)
        } catch (e: ManagerProtocolException) {
            throw lost(open, e)
        }
        pending.remove(answer.callId)?.finish(answer)
    }

    /**
     * Reads on for the calls still waiting once their reader has its own answer, in a reader of its own rather
     * than by waking one of them: a waiting caller's thread may be the one another caller blocks until its
     * answer is read. It reads the current connection: the calls of a lost one have all failed (see [lost]). A
     * no-op when somebody reads already, nobody waits or no connection is open (the next call opens one and
     * reads it).
     */
    private fun readOn() {
        val open = connection ?: return
        if (pending.isEmpty() || !reading.compareAndSet(false, true)) return
        READERS.launch {
            try {
                while (pending.isNotEmpty() && connection === open) readOne(open)
            } catch (e: Throwable) {
                // A lost connection has failed every call in flight already (lost()); nothing is left to tell.
            } finally {
                reading.set(false)
                // A call that came while this reader was stopping found it still reading: read for it too.
                readOn()
            }
        }
    }

    /** Ends [open] after it failed with [cause]: every call in flight fails; the next call connects anew. */
    private fun lost(open: FramedSocket, cause: Throwable): Throwable {
        if (cause is CancellationException) return cause
        val failure = when (cause) {
            is FramedSocket.Ended, is FramedSocket.Broken, is FramedSocket.Closed -> ManagerFailure.Unavailable(address)
            else -> ManagerFailure.Unavailable(address, cause)
        }
        if (connection === open) connection = null
        open.close()
        for (id in pending.keys.toList()) pending.remove(id)?.finish(failure)
        return failure
    }

    private suspend fun connect(): FramedSocket = connecting.withLock {
        connection?.let { return it }
        val socket = try {
            if (address.startsWith(TCP)) {
                val (host, port) = hostAndPort(address)
                TcpListener.connect(host, port)
            } else {
                UnixListener.connect(Path.of(address))
            }
        } catch (e: OsException) {
            throw ManagerFailure.Unavailable(address, e)
        }
        // The reading caller may run on the poller's thread (see awaitAnswer), which must never spin.
        val framed = FramedSocket(socket, spinNanos = ANSWER_SPIN_NANOS, spinWhile = { !FdPoller.get().isPollerThread() }, peer = "the manager")
        try {
            // Whatever answers at the address (a wrong port, a stuck server) may accept and never speak.
            withTimeoutOrNull(handshakeTimeout) { KeyedHandshake.connect(framed, key, MAX_ANSWER, "the manager") }
                ?: throw ManagerFailure.Unavailable(address, IOException("it accepted the connection but did not complete the handshake within $handshakeTimeout"))
        } catch (e: FramedSocket.Ended) {
            framed.close()
            throw ManagerFailure.Unavailable(address)
        } catch (e: FrameException) {
            framed.close()
            if (e.reason() == FrameException.Reason.AUTHENTICATION) throw ManagerFailure.Refused(address, e.message ?: "")
            throw ManagerFailure.Unavailable(address, e)
        } catch (e: Throwable) {
            framed.close()
            throw e
        }
        framed.also { connection = it }
    }

    fun close() {
        connection?.let { lost(it, FramedSocket.Closed()) }
    }

    companion object {
        const val MAX_ANSWER = 64 * 1024 * 1024

        /** How long a new connection may take to authenticate both ways; settable for tests. */
        @Volatile
        var handshakeTimeout: Duration = 10.seconds

        /**
         * A manager answers a call in microseconds: looking for the answer this long before sleeping in the
         * poller saves two thread hand-offs. (Waiting in the kernel instead, one wake-up, measured 23 µs a call
         * from a child against 14 µs spinning.)
         */
        const val ANSWER_SPIN_NANOS = 50_000L

        /** Where the answers of waiting calls are read once no caller of theirs reads (see [readOn]). */
        private val READERS = CoroutineScope(SupervisorJob() + Dispatchers.IO + CoroutineName("coproc-manager-reader"))
        const val TCP = "tcp://"
        /** By address and key: a client holding another key (a wrong one) must not share a connection. */
        private val clients = ConcurrentHashMap<Pair<String, String>, ManagerClient>()

        /** This process's client of the manager at [address] with [key] (one connection per manager, key and process). */
        fun of(address: String, key: ByteArray): ManagerClient =
            clients.computeIfAbsent(address to key.toHexString()) { ManagerClient(address, key) }

        /** Forgets (and disconnects) the clients of a manager that was shut down. */
        fun forget(address: String) {
            for (entry in clients.keys.filter { it.first == address }) clients.remove(entry)?.close()
        }

        /** Forgets (and disconnects) the client holding [key] only: one that failed to authenticate. */
        fun forget(address: String, key: ByteArray) {
            clients.remove(address to key.toHexString())?.close()
        }

        /** The host and port of a `tcp://host:port` address (an IPv6 host in brackets). */
        fun hostAndPort(address: String): Pair<String, Int> {
            val rest = address.removePrefix(TCP)
            val colon = rest.lastIndexOf(':')
            require(colon > 0) { "not a tcp://host:port address: $address" }
            val port = rest.substring(colon + 1).toIntOrNull()
            require(port != null && port in 1..65535) { "bad port in $address" }
            return rest.substring(0, colon).removePrefix("[").removeSuffix("]") to port
        }
    }
}
