package dev.coproc.internal.manager

import dev.coproc.internal.codec.OperationRunner
import dev.coproc.internal.codec.TaskTypeException
import dev.coproc.internal.awaitFd
import dev.coproc.internal.os.FdPoller
import dev.coproc.internal.os.OsException
import dev.coproc.internal.os.StreamListener
import dev.coproc.internal.wire.FrameException
import dev.coproc.internal.wire.FramedSocket
import dev.coproc.internal.wire.KeyedHandshake
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.ThreadPoolExecutor
import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory

/**
 * The manager process's side: the shared objects, and a server answering authenticated clients' calls on them.
 *
 * Everything runs on one thread: the objects need no locks, and a call that waits (a queue's get, a lock's
 * acquire) is a suspended coroutine while the thread serves everyone else. Values stay encoded: the manager
 * stores and compares bytes and decodes nothing of a client's but a declared [dev.coproc.AtomicUpdate] or
 * registered type, so no class is ever chosen by a client's data.
 *
 * A connection must authenticate within [handshakeTimeout], and at most [maxPending] connections may be
 * authenticating at once (one more drops the oldest of them): clients that connect and say nothing cost
 * bounded memory and descriptors. Out of descriptors, the server keeps serving the connections it has and
 * tries the waiting one again later.
 */
internal class ManagerServer(
    private val key: ByteArray,
    private val maxFrame: Int,
    private val handshakeTimeout: Duration,
    private val maxPending: Int,
    makeCustom: (factoryType: String, factory: ByteArray) -> ObjectState,
    updates: OperationRunner,
) {
    private val queue = LinkedBlockingQueue<Runnable>()
    private val thread = ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, queue) { Thread(it, "coproc-manager").apply { isDaemon = true } }
    private val objects = HashMap<Long, ObjectState>()
    private val factory = ManagedObjectFactory(objects, makeCustom, updates)
    private var nextSession = 1L
    private val log = LoggerFactory.getLogger(ManagerServer::class.java)

    /** The connections that have not authenticated yet, oldest first. */
    private val pending = LinkedHashSet<FramedSocket>()
    private var warnedFull = false

    /** Accepts and serves clients until cancelled; a client's failure ends only that client. */
    suspend fun serve(listener: StreamListener) = withContext(thread.asCoroutineDispatcher()) {
        // A session's end outlives its connection's coroutine (see serveClient), not the server.
        val sessionEnds = CoroutineScope(coroutineContext + SupervisorJob())
        try {
            coroutineScope {
                var backOff = ACCEPT_BACK_OFF_MIN
                while (true) {
                    val socket = try {
                        listener.accept()
                    } catch (e: OsException) {
                        if (!e.isOutOfResources) throw e
                        // The connection stays queued. Polling the listener would return at once (it stays readable),
                        // so wait a while instead, serving the connections there are, and try again.
                        if (backOff == ACCEPT_BACK_OFF_MIN) log.warn("manager: cannot accept a connection ({}); trying again every {} at most", e.message, ACCEPT_BACK_OFF_MAX)
                        delay(backOff)
                        backOff = minOf(backOff * 2, ACCEPT_BACK_OFF_MAX)
                        continue
                    }
                    if (socket == null) {
                        awaitFd(listener.number(), FdPoller.READABLE)
                        continue
                    }
                    backOff = ACCEPT_BACK_OFF_MIN
                    if (pending.size >= maxPending) dropOldestPending()
                    // While nothing else is queued for this thread, a client's next call (which often follows
                    // its answer at once) is looked for briefly before sleeping in the poller.
                    val connection = FramedSocket(socket, spinNanos = NEXT_CALL_SPIN_NANOS, spinWhile = { queue.isEmpty() }, peer = "a client")
                    pending += connection
                    val session = ManagerSession(nextSession++)
                    launch {
                        try {
                            serveClient(connection, session, sessionEnds)
                        } catch (e: CancellationException) {
                            // The manager is shutting down with this client still connected: no failure.
                            throw e
                        } catch (e: Exception) {
                            // A bug serving one client must not end the manager for all the others.
                            log.error("manager: serving {} failed; disconnected", session, e)
                        }
                    }
                }
            }
        } finally {
            sessionEnds.cancel()
            thread.shutdown()
        }
    }

    /** Closes the connection that has been authenticating the longest, to make room for a new one. */
    private fun dropOldestPending() {
        val oldest = pending.first()
        pending -= oldest
        if (!warnedFull) log.warn("manager: {} connections are authenticating at once; dropping the oldest for each new one", maxPending)
        warnedFull = true
        oldest.close()
    }

    private suspend fun serveClient(connection: FramedSocket, session: ManagerSession, sessionEnds: CoroutineScope) = coroutineScope {
        val calls = HashMap<Int, Job>()
        val sending = Mutex()
        try {
            val authenticated = try {
                withTimeoutOrNull(handshakeTimeout) { authenticate(connection) }
            } finally {
                pending -= connection
                if (pending.isEmpty()) warnedFull = false
            }
            if (authenticated == null) log.warn("manager: a client did not authenticate within {}; disconnected", handshakeTimeout)
            if (authenticated != true) return@coroutineScope
            while (true) {
                val frame = connection.receive(maxFrame)
                val call = try {
                    ManagerCall.decode(frame)
                } catch (e: ManagerProtocolException) {
                    log.warn("manager: {} sent a frame that is not a call; disconnected", session)
                    send(connection, sending, ManagerAnswer(0, errorType = "Protocol", errorMessage = "not a manager call: ${e.message}"))
                    return@coroutineScope
                }
                if (call.objectId == ManagerCall.CANCELLING) {
                    calls[call.callId]?.cancel()
                    continue
                }
                // Undispatched: a call that does not wait runs to its answer right here, in arrival order.
                val job = launch(start = CoroutineStart.UNDISPATCHED) {
                    val answer = answer(call, session)
                    try {
                        withContext(NonCancellable) { send(connection, sending, answer) }
                    } catch (e: FramedSocket.Broken) {
                        // The client went away meanwhile (the loop below notices): what its call took goes back.
                        undelivered(call, answer)
                    } catch (e: FramedSocket.Closed) {
                        undelivered(call, answer)
                    }
                }
                if (job.isActive) {
                    calls[call.callId] = job
                    job.invokeOnCompletion { calls.remove(call.callId) }
                }
            }
        } catch (e: FramedSocket.Ended) {
            // The client went away.
        } catch (e: FrameException) {
            // An oversized or corrupted frame, or a hello that is not one: the stream cannot be trusted.
            log.warn("manager: {}: {}; disconnected", session, e.message)
        } catch (e: FramedSocket.Broken) {
            // The client closed while we answered.
        } catch (e: FramedSocket.Closed) {
            // Dropped while it authenticated, to make room for a newer connection.
        } finally {
            connection.close()
            val waiting = calls.values.toList()
            waiting.forEach { it.cancel() }
            // What the session holds is let go once its waiting calls are over (a condition's wait takes its lock back first).
            sessionEnds.launch {
                waiting.joinAll()
                objects.values.forEach { it.ended(session) }
            }
        }
    }

    private suspend fun authenticate(connection: FramedSocket): Boolean =
        KeyedHandshake.accept(connection, key, maxFrame, "a client").also { proven ->
            if (!proven) log.warn("manager: a client failed authentication; disconnected")
        }

    private suspend fun send(connection: FramedSocket, sending: Mutex, answer: ManagerAnswer) {
        val bytes = answer.encode()
        sending.withLock { connection.send(bytes, 0, bytes.size) }
    }

    /** Runs one call; whatever it raises is the caller's answer, and leaves the object as it was. */
    private suspend fun answer(call: ManagerCall, session: ManagerSession): ManagerAnswer = try {
        ManagerAnswer(call.callId, values = dispatch(call, session))
    } catch (e: CancellationException) {
        ManagerAnswer(call.callId, cancelled = true)
    } catch (e: IndexOutOfBoundsException) {
        failed(call, "IndexOutOfBounds", e)
    } catch (e: kotlinx.serialization.SerializationException) {
        failed(call, "Decoding", e)
    } catch (e: ManagerProtocolException) {
        failed(call, "IllegalArgument", e)
    } catch (e: IllegalArgumentException) {
        failed(call, "IllegalArgument", e)
    } catch (e: ManagedStateException) {
        failed(call, "IllegalState", e)
    } catch (e: ManagedBrokenBarrierException) {
        failed(call, "BrokenBarrier", e)
    } catch (e: QueueShutDownState) {
        failed(call, if (e.drained) "QueueShutdownDrained" else "QueueShutdown", e)
    } catch (e: TaskTypeException) {
        failed(call, "UndeclaredType", e)
    } catch (e: Exception) {
        // The user's update or registered object threw: the object is unchanged (written only after it returns).
        failed(call, e.javaClass.name, e)
    }

    private fun failed(call: ManagerCall, type: String, e: Exception) = ManagerAnswer(call.callId, errorType = type, errorMessage = e.message)

    private fun undelivered(call: ManagerCall, answer: ManagerAnswer) {
        if (answer.cancelled || answer.errorType != null || call.objectId == 0L) return
        runCatching { objects[call.objectId]?.undelivered(call.method, answer.values) }
            .onFailure { log.warn("manager: giving back what an undelivered {} took failed", call.method, it) }
    }

    private suspend fun dispatch(call: ManagerCall, session: ManagerSession): List<ByteArray> {
        if (call.objectId == 0L) return factory.call(call.method, call.args)
        val target = objects[call.objectId] ?: throw IllegalArgumentException("no shared object ${call.objectId} in this manager")
        return target.call(call.method, call.args, session)
    }

    internal companion object {
        const val NEXT_CALL_SPIN_NANOS = 50_000L
        private val ACCEPT_BACK_OFF_MIN = 50.milliseconds
        private val ACCEPT_BACK_OFF_MAX = 1.seconds
    }
}
