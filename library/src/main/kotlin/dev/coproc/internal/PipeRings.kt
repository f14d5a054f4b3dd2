package dev.coproc.internal

import dev.coproc.internal.wire.FrameException
import dev.coproc.internal.wire.FramedSocket
import dev.coproc.internal.shm.QueueRing
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelChildren
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * The shared-memory path of a pipe end's messages: each direction is a [QueueRing] in a memfd, and the socket
 * pair beside the rings carries the rest. The socket gives the end of the stream (exact: the kernel counts
 * every holder of an end, dead ones included), the messages too long for a ring (announced in it by a mark, so
 * order holds), and doorbells that wake a receiver sleeping on it.
 *
 * Why: through the socket, each small message costs a system call and a socket buffer the kernel allocates
 * and frees on both sides, about as much as all the rest of a message's trip; through the ring it costs two
 * copies in memory, and the socket is touched only when the receiver sleeps. The promises stay the socket's:
 * a message is in shared memory once `send` returns, so a sender killed right after loses nothing, and a put
 * is whole or absent, even under SIGKILL.
 *
 * One sender and one receiver at a time in this process (the connection's locks), as for [FramedSocket].
 */
internal class PipeRings(
    /** The ring this end receives from; null for a send-only end. */
    private val inbox: QueueRing?,
    /** The ring this end sends into; null for a receive-only end. */
    private val outbox: QueueRing?,
) : AutoCloseable {
    private val roomWaiter = outbox?.let { SequenceWaiter.of(it, QueueRing.NOT_FULL, "pipe-not-full") }
    /** A mark was taken from the inbox: the next message is the socket's next frame. */
    private var frameDue = false
    /**
     * The last message came through the socket: the sender is sending long ones, each taking longer than a
     * spin, and a spinning receiver would only take a core from it and from the poller that wakes it.
     */
    private var lastCameThroughSocket = false
    private var peerCheckedAt = System.nanoTime() - PEER_CHECK_NANOS

    val hasInbox: Boolean get() = inbox != null
    val hasOutbox: Boolean get() = outbox != null

    /** A duplicate of the descriptor of the inbox's memory, to hand over. */
    fun duplicateInbox(): Int = inbox!!.memory().duplicate()

    /** A duplicate of the descriptor of the outbox's memory, to hand over. */
    fun duplicateOutbox(): Int = outbox!!.memory().duplicate()

    /**
     * Sends one message: into the ring when it fits there, else a mark into the ring and the message through
     * the socket. Throws [FramedSocket.Broken] when every receiver closed (seen at once when the ring is full,
     * else within [PEER_CHECK_NANOS]: a message put meanwhile is lost with the receivers, as a socket's would be).
     */
    suspend fun send(framed: FramedSocket, bytes: ByteArray, offset: Int, length: Int) {
        val ring = outbox!!
        if (length <= INLINE_MAX_BYTES) {
            put(framed, ring, length, wakeReceiver = true) { ring.put(bytes, offset, length) }
        } else {
            // No doorbell: the frame's own bytes wake a receiver sleeping on the socket, one wake-up, not two.
            put(framed, ring, 0, wakeReceiver = false) { ring.putMark() }
            // The mark is out: its frame must follow, or the receiver would wait for it.
            framed.send(bytes, offset, length, cancellable = false)
        }
    }

    /**
     * [send] when it needs no wait: [PUT], or [PUT_DOORBELL_DUE] (the caller then sends the doorbell), or
     * [NOT_PUT] when the message is too long for the ring or the ring has no room now.
     */
    fun trySend(framed: FramedSocket, bytes: ByteArray, offset: Int, length: Int): Int {
        val ring = outbox!!
        if (length > INLINE_MAX_BYTES) return NOT_PUT
        checkPeer(framed)
        if (ring.put(bytes, offset, length) != QueueRing.PUT) return NOT_PUT
        return if (ring.takeArmed(QueueRing.DOORBELL)) PUT_DOORBELL_DUE else PUT
    }

    private fun checkPeer(framed: FramedSocket) {
        val now = System.nanoTime()
        if (now - peerCheckedAt >= PEER_CHECK_NANOS) {
            peerCheckedAt = now
            if (framed.peerClosed()) throw FramedSocket.Broken()
        }
    }

    private suspend inline fun put(framed: FramedSocket, ring: QueueRing, length: Int, wakeReceiver: Boolean, attempt: () -> Int) {
        checkPeer(framed)
        while (true) {
            // A pipe's rings are never closed, so a put either went in or found no room.
            if (attempt() == QueueRing.PUT) {
                if (wakeReceiver && ring.takeArmed(QueueRing.DOORBELL)) framed.sendDoorbell()
                return
            }
            // Full: the receiver usually frees room within microseconds. Sleeping at once would cost a futex
            // wake-up per message from then on, as each freed slot wakes the sender for one more put.
            if (spinUntil { ring.hasRoomFor(length) }) continue
            ring.recoverAbandoned()
            if (framed.peerClosed()) throw FramedSocket.Broken()
            try {
                firstOf(
                    { ring.awaitCondition(QueueRing.NOT_FULL, roomWaiter!!) { ring.hasRoomFor(length) } },
                    { framed.awaitHangUp() },
                )
            } catch (e: IllegalStateException) {
                // The room waiter stopped: the connection was closed, which the socket may not have said first.
                if (framed.isClosed) throw FramedSocket.Closed()
                throw e
            }
        }
    }

    /**
     * The next message of at most [maxLength] bytes, from the ring or, after a mark, from the socket. Throws
     * [FramedSocket.Ended] once the socket ended and the ring is empty, [FrameException] as [FramedSocket.receive]
     * (a message too long stays unread, in the ring or in the socket).
     */
    suspend fun receive(framed: FramedSocket, maxLength: Int): ByteArray {
        val ring = inbox!!
        while (true) {
            if (frameDue) {
                val message = framed.receive(maxLength)
                frameDue = false
                lastCameThroughSocket = true
                return message
            }
            tryReceive(maxLength)?.let { return it }
            if (frameDue) continue
            if (!lastCameThroughSocket && spinUntil { ring.hasMessages() }) continue
            // A frame's mark is put before the frame is sent: a frame or the end seen first, look at the ring again.
            when (framed.inputState()) {
                FramedSocket.QUIET -> sleep(framed, ring)
                FramedSocket.ENDED -> {
                    // A sender killed in a put it had committed: finish it, its message counts.
                    ring.recoverAbandoned()
                    if (!ring.hasMessages()) return framed.receive(maxLength) // throws Ended
                }
                // A frame nobody announced: from a peer that does not use the ring.
                FramedSocket.FRAME -> if (!ring.hasMessages()) return framed.receive(maxLength)
            }
        }
    }

    /** [receive] when it needs no wait and no socket: the ring's next message now, or null. */
    fun tryReceive(maxLength: Int): ByteArray? {
        if (frameDue) return null
        val next = inbox!!.get(maxLength)
        return when {
            next === QueueRing.MARK -> {
                frameDue = true
                null
            }
            next === QueueRing.TOO_LONG -> throw FrameException.oversized("the other end sent a message", inbox.refusedLength(), maxLength)
            next != null -> {
                lastCameThroughSocket = false
                next
            }
            else -> null
        }
    }

    /** True when a message or the end can be received without waiting; waits up to [timeout] for one. */
    suspend fun poll(framed: FramedSocket, timeout: Duration): Boolean {
        val ring = inbox!!
        fun ready() = frameDue || ring.hasMessages() || framed.inputState() != FramedSocket.QUIET
        if (ready()) return true
        if (timeout <= Duration.ZERO) return false
        return withTimeoutOrNull(timeout) {
            while (!ready()) sleep(framed, ring)
            true
        } ?: false
    }

    /**
     * Sleeps on the socket until a sender rings the doorbell, a frame comes or the stream ends. Armed before
     * the last look at the ring: a put after that look finds it armed and rings, one before it is seen.
     */
    private suspend fun sleep(framed: FramedSocket, ring: QueueRing) {
        ring.register(QueueRing.DOORBELL, 1)
        try {
            ring.arm(QueueRing.DOORBELL)
            if (ring.hasMessages()) return
            // Now and then, finish a put whose sender was killed after committing it, while other holders of
            // that end keep the stream open: nobody else would, until the next put.
            if (withTimeoutOrNull(IDLE_RECOVERY) { framed.awaitReadable() } == null) ring.recoverAbandoned()
        } finally {
            ring.register(QueueRing.DOORBELL, -1)
        }
    }

    override fun close() {
        roomWaiter?.stop()
        inbox?.memory()?.close()
        outbox?.memory()?.close()
    }

    companion object {
        /** [trySend] results. */
        const val NOT_PUT = 0
        const val PUT = 1
        const val PUT_DOORBELL_DUE = 2

        /** Each direction's ring: a few dozen KiB of small messages waiting is plenty to keep both sides busy. */
        const val RING_BYTES = 256 * 1024

        /**
         * Longer messages go through the socket, which moves bulk bytes as fast, without filling the ring. A
         * quarter of [RING_BYTES]: one always fits in an empty ring.
         */
        private const val INLINE_MAX_BYTES = RING_BYTES / 4

        /** How often a sender that never finds the ring full asks the socket whether every receiver closed. */
        private const val PEER_CHECK_NANOS = 1_000_000L

        /** How long a receiver sleeps before it looks for a put left half-applied by a killed sender. */
        private val IDLE_RECOVERY = 1.seconds

        /** Runs both until the first ends, then cancels the other; the first's failure is rethrown. */
        private suspend fun firstOf(a: suspend () -> Unit, b: suspend () -> Unit) = coroutineScope {
            val first = async { a() }
            val second = async { b() }
            select { first.onAwait {}; second.onAwait {} }
            coroutineContext.cancelChildren()
        }
    }
}
