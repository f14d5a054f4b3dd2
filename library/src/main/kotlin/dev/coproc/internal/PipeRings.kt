package dev.coproc.internal

import dev.coproc.internal.wire.FrameException
import dev.coproc.internal.wire.FramedSocket
import dev.coproc.internal.shm.ProcessIdentity
import dev.coproc.internal.shm.QueueRing
import java.util.concurrent.ThreadLocalRandom
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelChildren
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * The shared-memory path of a pipe end's messages: each direction is a [QueueRing] in a memfd, and the socket
 * pair beside the rings gives the end of the stream (exact: the kernel counts every holder of an end, dead
 * ones included) and doorbells that wake a receiver sleeping on it.
 *
 * Why: through the socket, each small message costs a system call and a socket buffer the kernel allocates
 * and frees on both sides, about as much as all the rest of a message's trip; through the ring it costs two
 * copies in memory, and the socket is touched only when the receiver sleeps. A message too long for one record
 * goes in pieces, which the receiver copies straight into the message's array (or the caller's buffer) while
 * the sender writes the next: memory speed, where the socket's two copies through the kernel and its buffers
 * moved half as much. The promises stay the socket's: a message is in shared memory once `send` returns, so a
 * sender killed right after loses nothing, and a put is whole or absent, even under SIGKILL; a long message
 * whose sender was killed partway is dropped whole (at the end of the stream, [FramedSocket.Ended] counts its
 * bytes).
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
    private var peerCheckedAt = System.nanoTime() - PEER_CHECK_NANOS

    /** Long messages arriving in pieces, put back together. */
    private val assembler = PieceAssembler()

    val hasInbox: Boolean get() = inbox != null
    val hasOutbox: Boolean get() = outbox != null

    /** A duplicate of the descriptor of the inbox's memory, to hand over. */
    fun duplicateInbox(): Int = inbox!!.memory().duplicate()

    /** A duplicate of the descriptor of the outbox's memory, to hand over. */
    fun duplicateOutbox(): Int = outbox!!.memory().duplicate()

    /**
     * Sends one message: into the ring when it fits in one record, else in pieces (cancellable until the first
     * is put; then the rest follows, as a socket's frame would). Throws [FramedSocket.Broken] when every
     * receiver closed (seen at once when the ring is full, else within [PEER_CHECK_NANOS]: a message put
     * meanwhile is lost with the receivers, as a socket's would be).
     */
    suspend fun send(framed: FramedSocket, bytes: ByteArray, offset: Int, length: Int) {
        val ring = outbox!!
        if (length <= INLINE_MAX_BYTES) {
            put(framed, ring, length) { ring.put(bytes, offset, length) }
            return
        }
        val message = ThreadLocalRandom.current().nextLong()
        val self = ProcessIdentity.self()
        var at = minOf(PIECE_BYTES, length)
        put(framed, ring, QueueRing.PIECE_HEAD + at) { ring.putPiece(message, self, length, 0, bytes, offset, at) }
        withContext(NonCancellable) {
            while (at < length) {
                val piece = minOf(PIECE_BYTES, length - at)
                put(framed, ring, QueueRing.PIECE_HEAD + piece) { ring.putPiece(message, self, length, at, bytes, offset + at, piece) }
                at += piece
            }
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

    private suspend inline fun put(framed: FramedSocket, ring: QueueRing, length: Int, attempt: () -> Int) {
        checkPeer(framed)
        while (true) {
            // A pipe's rings are never closed, so a put either went in or found no room.
            if (attempt() == QueueRing.PUT) {
                if (ring.takeArmed(QueueRing.DOORBELL)) framed.sendDoorbell()
                return
            }
            // Full: the receiver usually frees room within microseconds. Sleeping at once would cost a futex
            // wake-up per message from then on, as each freed slot wakes the sender for one more put.
            if (spinUntil(yielding = true) { ring.hasRoomFor(length) }) continue
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
     * The next message of at most [maxLength] bytes. Throws [FramedSocket.Ended] once the socket ended and the
     * ring is empty, [FrameException] as [FramedSocket.receive] (a message too long stays unread).
     *
     * With a [buffer], a long message that begins now is put together in it from [offset] (at most [maxLength]
     * bytes must fit there), and [PieceAssembler.LANDED] is returned for it ([landedLength] long); any other message comes
     * back as its own array.
     */
    suspend fun receive(framed: FramedSocket, maxLength: Int, buffer: ByteArray? = null, offset: Int = 0): ByteArray {
        val ring = inbox!!
        assembler.lend(buffer, offset)
        try {
            while (true) {
                takeNext(maxLength, SUSPENDING_PIECES)?.let { return it }
                // A long message still coming: a cancelled caller stops here, keeping what arrived.
                currentCoroutineContext().ensureActive()
                if (spinUntil(yielding = true) { ring.hasMessages() }) continue
                // A put comes before the end of its sender's stream: the end seen, look at the ring again.
                when (framed.inputState()) {
                    FramedSocket.QUIET -> sleep(framed, ring)
                    FramedSocket.ENDED -> {
                        // A sender killed in a put it had committed: finish it, its message counts.
                        ring.recoverAbandoned()
                        if (!ring.hasMessages()) {
                            // Pieces of messages whose senders all closed or died: they never end.
                            val partial = assembler.dropAll()
                            if (partial > 0) throw FramedSocket.Ended(partial)
                            return framed.receive(maxLength) // throws Ended
                        }
                    }
                    // Every message goes through the ring: the socket carries doorbells only.
                    FramedSocket.FRAME -> throw corrupted("bytes through the socket, which carries only doorbells")
                }
            }
        } finally {
            if (buffer != null) assembler.release()
        }
    }

    /**
     * [receive] when it needs no wait and no socket: the ring's next message now, or null (also after
     * [FAST_PIECES] pieces of a message still coming, so that the caller goes on where it can be cancelled).
     */
    fun tryReceive(maxLength: Int, buffer: ByteArray? = null, offset: Int = 0): ByteArray? {
        assembler.lend(buffer, offset)
        try {
            return takeNext(maxLength, FAST_PIECES)
        } finally {
            if (buffer != null) assembler.release()
        }
    }

    /** How long the message last returned as [PieceAssembler.LANDED] is. */
    val landedLength: Int get() = assembler.landedLength

    /** Takes records until one completes a message: null when the ring has none now, or after [budget] pieces. */
    private fun takeNext(maxLength: Int, budget: Int = Int.MAX_VALUE): ByteArray? {
        val inbox = inbox!!
        assembler.takeRefused(maxLength)?.let { return it }
        assembler.pruneIfCrowded()
        var pieces = 0
        while (pieces < budget) {
            val next = try {
                inbox.get(maxLength, assembler.sink)
            } catch (e: IllegalStateException) {
                throw corrupted("a record that is not one: ${e.message}")
            }
            when {
                next === QueueRing.PIECE -> {
                    pieces++
                    assembler.takeCompleted(maxLength)?.let { return it }
                }
                next === QueueRing.TOO_LONG -> throw FrameException.oversized("the other end sent a message", inbox.refusedLength(), maxLength)
                else -> return next
            }
        }
        return null
    }

    private fun corrupted(what: String) = PieceAssembler.corrupted(what)

    /** True when a message or the end can be received without waiting; waits up to [timeout] for one. */
    suspend fun poll(framed: FramedSocket, timeout: Duration): Boolean {
        val ring = inbox!!
        fun ready() = ring.hasMessages() || framed.inputState() != FramedSocket.QUIET
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
            if (withTimeoutOrNull(IDLE_RECOVERY) { framed.awaitReadable() } == null) {
                ring.recoverAbandoned()
                // A long message whose sender was killed partway will never end: it is let go whole.
                assembler.prune()
            }
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

        /**
         * Each direction's ring. Small messages need a few dozen KiB of it to keep both sides busy; a long
         * message's sender needs about a MiB of room to write ahead while the receiver reads (1 MiB messages
         * moved at 7-8 GB/s through 1 MiB here, 4-5 through 256 KiB). Its pages are taken as it is first used.
         */
        const val RING_BYTES = 1024 * 1024

        /** Longer messages go in pieces; a message up to this long is one record. */
        private const val INLINE_MAX_BYTES = 64 * 1024

        /**
         * A piece's own bytes: 128 KiB records (a quarter of the ring at most, so one always fits in an empty
         * ring; larger pieces kept the sides waiting on each other longer, smaller ones cost more records).
         */
        const val PIECE_BYTES = 128 * 1024 - QueueRing.PIECE_HEAD

        /** Pieces [tryReceive] takes before it leaves a message still coming to the suspending path. */
        private const val FAST_PIECES = 16

        /** Pieces [receive] takes between two looks at its caller's cancellation: 8 MiB. */
        private const val SUSPENDING_PIECES = 64

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
