package dev.coproc

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
) : AutoCloseable {
    private val codec = MessageCodec(serializer)
    private val receiving = Mutex()
    private val sending = Mutex()
    private val handOver = HandOver()

    /** True once [close] was called here. */
    public val isClosed: Boolean get() = framed.isClosed

    /**
     * Sends [value]. It is encoded first, on the caller's thread, so a value that cannot be encoded fails
     * here with nothing sent. Waits while the other side's buffer is full.
     *
     * @throws BrokenPipeException when every holder of the other end closed it
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
        sending.withLock { translate { framed.send(bytes, offset, length) } }
    }

    /**
     * The next message, decoded.
     *
     * @throws EndOfStreamException when every holder of the other end closed it and every message was read
     * @throws MessageDecodingException when the message is not a [T] (its bytes travel with the exception)
     * @throws MessageTooLongException when it is longer than [maxMessageBytes] (it stays unread)
     */
    public suspend fun receive(): T {
        return codec.decodeMessage(receiveBytes(maxMessageBytes))
    }

    /**
     * The next message as bytes (Python's `recv_bytes`).
     *
     * @throws MessageTooLongException when it is longer than [maxLength]; unlike Python, the message stays
     *   unread and the connection usable
     */
    public suspend fun receiveBytes(maxLength: Int = maxMessageBytes): ByteArray {
        checkReceive()
        require(maxLength >= 0) { "maxLength must not be negative: $maxLength" }
        return receiving.withLock { translate { framed.receive(maxLength) } }
    }

    /**
     * True when a message has started to arrive, or the stream has ended, so that [receive] will not wait
     * for the sender; waits up to [timeout] for it (the default only looks).
     */
    public suspend fun poll(timeout: Duration = Duration.ZERO): Boolean {
        checkReceive()
        return receiving.withLock { translate { framed.poll(timeout) } }
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
     * processes' copies stay open. Closing twice does nothing.
     */
    override fun close() {
        framed.close()
        handOver.release()
    }

    /** What another process presents to get this end; shared on first use. */
    internal fun grant(): DescriptorGrant {
        if (isClosed) throw ConnectionClosedException()
        return handOver.grant(this) { translate { framed.duplicate() } }
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
        fun <T> open(socket: UnixSocket, serializer: KSerializer<T>, canSend: Boolean, canReceive: Boolean, maxMessageBytes: Int) =
            Connection(FramedSocket(socket, peer = "the other end"), serializer, canSend, canReceive, maxMessageBytes)
    }
}

/** What crosses to another process in place of a [Connection]: where to fetch its descriptor, and how to use it. */
@Serializable
internal class ConnectionForm(val end: DescriptorGrant, val canSend: Boolean, val canReceive: Boolean, val maxMessageBytes: Int)

/** A [Connection] crosses as a [ConnectionForm]; decoding fetches the descriptor from the process that sent it. */
internal class ConnectionSerializer<T>(private val messageSerializer: KSerializer<T>) :
    HandleSerializer<Connection<T>, ConnectionForm>("dev.coproc.Connection", ConnectionForm.serializer()) {
    override fun carry(handle: Connection<T>) = ConnectionForm(handle.grant(), handle.canSend, handle.canReceive, handle.maxMessageBytes)

    override fun rebuild(form: ConnectionForm): Connection<T> =
        Connection.open(UnixSocket.adopt(form.end.fetch("connection")), messageSerializer, form.canSend, form.canReceive, form.maxMessageBytes)
}
