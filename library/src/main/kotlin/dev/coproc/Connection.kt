package dev.coproc

import dev.coproc.internal.PieceAssembler
import dev.coproc.internal.PipeRings
import dev.coproc.internal.codec.MessageCodec
import dev.coproc.internal.handles.DescriptorGrant
import dev.coproc.internal.handles.HandOver
import dev.coproc.internal.handles.HandleSerializer
import dev.coproc.internal.os.UnixSocket
import dev.coproc.internal.wire.FrameException
import dev.coproc.internal.wire.FramedSocket
import kotlin.time.Duration
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.ReceiveChannel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.produceIn
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable

/**
 * One end of a [Pipe]: messages of type [T] (or raw byte messages) to and from the other end, in order,
 * each delivered whole or not at all. Python's `Connection`.
 *
 * Calls suspend and never block a thread. One receive and one send may run at a time (others wait their
 * turn); a receive and a send may run together.
 *
 * A connection is a handle: put it in a task's or a process's arguments and the other process gets the
 * same end, as a real descriptor, so end-of-stream stays exact: the other end sees [EndOfStreamException]
 * once every process that held this end closed it or died. Close your copy once you handed it over, as
 * in Python. A connection decoded in a pool task belongs to that task and is closed when the task ends.
 * Bytes a connection read ahead belong to it; hand an end over before reading from it.
 *
 * Several processes may send through copies of one end at once: every message arrives whole, and each
 * sender's in its order (Python's pipes would interleave the bytes of long ones). A long message whose sender
 * is killed while sending it is dropped whole.
 */
@Serializable(with = ConnectionSerializer::class)
public class Connection<T> internal constructor(
    private val framed: FramedSocket,
    internal val serializer: KSerializer<T>,
    /** False for the receiving end of a one-way pipe. */
    public val canSend: Boolean,
    /** False for the sending end of a one-way pipe. */
    public val canReceive: Boolean,
    /** The longest message [receive] accepts, and the default limit of [receiveBytes]. */
    public val maxMessageBytes: Int,
    /** The shared-memory rings messages travel through; null when they go through the socket alone. */
    private val rings: PipeRings? = null,
) : AutoCloseable {
    private val codec = MessageCodec(serializer)
    private val receiving = Mutex()
    private val sending = Mutex()
    private val handOver = HandOver()
    private val inboxHandOver = HandOver()
    private val outboxHandOver = HandOver()

    /** True once [close] was called here. */
    public val isClosed: Boolean get() = framed.isClosed

    /**
     * Sends [value]. It is encoded first, on the caller's thread, so a value that cannot be encoded fails
     * here with nothing sent. Waits while the other side's buffer is full. Once it returns, the message is in
     * shared memory or in the kernel: the receiver gets it even if this process is killed right after.
     *
     * @throws BrokenPipeException when every holder of the other end closed it (seen at once by a send that
     *   has to wait, else within a millisecond: sends meanwhile are lost with the receivers, as in a socket's
     *   buffer)
     */
    public suspend fun send(value: T) {
        checkSend()
        sendBytes(codec.encode(value))
    }

    /**
     * Sends [length] bytes of [bytes] from [offset] as one message (Python's `send_bytes`).
     *
     * Cancelling the caller before the message starts to go out sends nothing; once it has started, the
     * rest is sent before the call ends (half a message would corrupt the stream), unless the connection is
     * closed meanwhile.
     */
    public suspend fun sendBytes(bytes: ByteArray, offset: Int = 0, length: Int = bytes.size - offset) {
        checkSend()
        require(offset >= 0 && length >= 0 && offset + length <= bytes.size) {
            "offset $offset and length $length do not fit in ${bytes.size} bytes"
        }
        // The usual case, without suspending (so without a continuation per call): the ring has room.
        if (rings != null && sending.tryLock()) {
            val result = try {
                translate { rings.trySend(framed, bytes, offset, length) }
            } catch (e: Throwable) {
                sending.unlock()
                throw e
            }
            when (result) {
                PipeRings.PUT -> return sending.unlock()
                // Still locked: the doorbell goes out before any other send of this process can wait for room
                // while the receiver sleeps on messages it was never told of.
                PipeRings.PUT_DOORBELL_DUE -> return ringDoorbellAndUnlock()
                else -> sending.unlock()
            }
        }
        sendWaiting(bytes, offset, length)
    }

    private suspend fun sendWaiting(bytes: ByteArray, offset: Int, length: Int) = sending.withLock {
        translate { if (rings != null) rings.send(framed, bytes, offset, length) else framed.send(bytes, offset, length) }
    }

    /** After a put found the receiver asleep: wakes it, even if the caller is cancelled meanwhile (it would sleep on). */
    private suspend fun ringDoorbellAndUnlock() = try {
        translate { framed.sendDoorbell() }
    } finally {
        sending.unlock()
    }

    /**
     * The next message, decoded.
     *
     * @throws EndOfStreamException when every holder of the other end closed it and every message was read
     * @throws MessageDecodingException when the message is not a [T] (its bytes travel with the exception)
     * @throws MessageTooLongException when it is longer than [maxMessageBytes] (it stays unread)
     */
    public suspend fun receive(): T {
        val ready = receiveNow(maxMessageBytes)
        if (ready != null) return codec.decodeMessage(ready)
        return receiveDecoded()
    }

    private suspend fun receiveDecoded(): T = codec.decodeMessage(receiveWaiting(maxMessageBytes))

    /**
     * The next message as bytes (Python's `recv_bytes`).
     *
     * @throws MessageTooLongException when it is longer than [maxLength]; unlike Python, the message stays
     *   unread and the connection usable
     */
    public suspend fun receiveBytes(maxLength: Int = maxMessageBytes): ByteArray {
        return receiveNow(maxLength) ?: receiveWaiting(maxLength)
    }

    /**
     * Receives the next message into [buffer] from [offset], and returns its length (Python's
     * `recv_bytes_into`). A long message is copied there straight from shared memory, with no array of its
     * own: the fastest way to receive many large messages is into one reused buffer.
     *
     * @throws MessageTooLongException when it does not fit in the `buffer.size - offset` bytes left; unlike
     *   Python, the message stays unread and the connection usable
     */
    public suspend fun receiveBytesInto(buffer: ByteArray, offset: Int = 0): Int {
        checkReceive()
        require(offset >= 0 && offset <= buffer.size) { "offset $offset is outside a buffer of ${buffer.size} bytes" }
        val room = buffer.size - offset
        return receiving.withLock {
            val message = translate { rings?.receive(framed, room, buffer, offset) ?: framed.receive(room) }
            // Under the lock: the next receive's message may land in its own buffer and set landedLength.
            if (message === PieceAssembler.LANDED) return@withLock rings!!.landedLength
            message.copyInto(buffer, offset)
            message.size
        }
    }

    /** The next message if the ring has it now, without suspending (so without a continuation per call). */
    private fun receiveNow(maxLength: Int): ByteArray? {
        checkReceive()
        require(maxLength >= 0) { "maxLength must not be negative: $maxLength" }
        if (rings == null || !receiving.tryLock()) return null
        return try {
            translate { rings.tryReceive(maxLength) }
        } finally {
            receiving.unlock()
        }
    }

    private suspend fun receiveWaiting(maxLength: Int): ByteArray =
        receiving.withLock { translate { rings?.receive(framed, maxLength) ?: framed.receive(maxLength) } }

    /**
     * True when a message has started to arrive, or the stream has ended, so that [receive] will not wait
     * for the sender; waits up to [timeout] for it (the default only looks).
     */
    public suspend fun poll(timeout: Duration = Duration.ZERO): Boolean {
        checkReceive()
        return receiving.withLock { translate { rings?.poll(framed, timeout) ?: framed.poll(timeout) } }
    }

    /** The messages as a cold [Flow] that completes at end of stream. */
    public fun receiveAsFlow(): Flow<T> = flow {
        while (true) {
            val next = try {
                receive()
            } catch (e: EndOfStreamException) {
                break
            }
            emit(next)
        }
    }

    /**
     * The messages as a [ReceiveChannel] filled by a coroutine in [scope], holding at most [capacity] read
     * ahead; it closes at end of stream, or with the error that ended the reading.
     */
    public fun receiveChannel(scope: CoroutineScope, capacity: Int = Channel.RENDEZVOUS): ReceiveChannel<T> =
        receiveAsFlow().buffer(capacity).produceIn(scope)

    /**
     * Closes this end in this process; calls waiting on it fail with [ConnectionClosedException]. Other
     * processes' copies stay open. Closing twice does nothing. A long message another coroutine is sending
     * meanwhile stays unfinished: the receivers drop it once this process has exited, or the stream ended.
     */
    override fun close() {
        framed.close()
        rings?.close()
        handOver.release()
        inboxHandOver.release()
        outboxHandOver.release()
    }

    /** What another process presents to get this end; shared on first use. */
    internal fun grant(): ConnectionForm {
        if (isClosed) throw ConnectionClosedException()
        return ConnectionForm(
            handOver.grant(this) { translate { framed.duplicate() } }, canSend, canReceive, maxMessageBytes,
            if (rings?.hasInbox == true) inboxHandOver.grant(this) { rings.duplicateInbox() } else null,
            if (rings?.hasOutbox == true) outboxHandOver.grant(this) { rings.duplicateOutbox() } else null,
        )
    }

    private fun checkSend() {
        if (isClosed) throw ConnectionClosedException()
        if (!canSend) throw UnsupportedOperationException("this end of a one-way pipe only receives")
    }

    private fun checkReceive() {
        if (isClosed) throw ConnectionClosedException()
        if (!canReceive) throw UnsupportedOperationException("this end of a one-way pipe only sends")
    }

    private inline fun <R> translate(call: () -> R): R = try {
        call()
    } catch (e: FramedSocket.Closed) {
        throw ConnectionClosedException()
    } catch (e: FramedSocket.Ended) {
        throw EndOfStreamException(e.partialBytes)
    } catch (e: FramedSocket.Broken) {
        throw BrokenPipeException()
    } catch (e: FrameException) {
        if (e.reason() == FrameException.Reason.OVERSIZED) throw MessageTooLongException(e.length(), e.maxLength())
        throw CorruptedStreamException("${e.message}: something other than a coproc connection wrote to it")
    }

    override fun toString(): String =
        "Connection(fd ${framed.number}, " + when {
            canSend && canReceive -> "duplex"
            canSend -> "send-only"
            else -> "receive-only"
        } + (if (isClosed) ", closed" else "") + ")"

    internal companion object {
        fun <T> open(socket: UnixSocket, serializer: KSerializer<T>, canSend: Boolean, canReceive: Boolean, maxMessageBytes: Int, rings: PipeRings? = null) =
            Connection(FramedSocket(socket, peer = "the other end", doorbells = rings != null), serializer, canSend, canReceive, maxMessageBytes, rings)
    }
}

/**
 * What crosses to another process in place of a [Connection]: where to fetch its socket and its rings' memory
 * (none for a connection without rings), and how to use it.
 */
@Serializable
internal class ConnectionForm(
    val end: DescriptorGrant,
    val canSend: Boolean,
    val canReceive: Boolean,
    val maxMessageBytes: Int,
    val inbox: DescriptorGrant? = null,
    val outbox: DescriptorGrant? = null,
)

/** A [Connection] crosses as a [ConnectionForm]; decoding fetches the descriptor from the process that sent it. */
internal class ConnectionSerializer<T>(private val messageSerializer: KSerializer<T>) :
    HandleSerializer<Connection<T>, ConnectionForm>("dev.coproc.Connection", ConnectionForm.serializer()) {
    override fun carry(handle: Connection<T>) = handle.grant()

    override fun rebuild(form: ConnectionForm): Connection<T> {
        val socket = UnixSocket.adopt(form.end.fetch("connection"))
        val opened = ArrayList<AutoCloseable>().apply { add(socket) }
        try {
            fun ring(grant: DescriptorGrant?) = grant?.openRing("connection")?.also { opened.add(it.memory()) }
            val rings = if (form.inbox != null || form.outbox != null) PipeRings(ring(form.inbox), ring(form.outbox)) else null
            return Connection.open(socket, messageSerializer, form.canSend, form.canReceive, form.maxMessageBytes, rings)
        } catch (e: Throwable) {
            opened.forEach { it.close() }
            throw e
        }
    }
}
