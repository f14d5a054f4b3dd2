package dev.coproc

import dev.coproc.internal.codec.MessageCodec
import kotlinx.serialization.SerializationException

/**
 * Every process that held the sending end of this connection closed it (or died): no message will come.
 * Python's `EOFError`. A last message that its sender did not finish is dropped, never delivered in part.
 */
public class EndOfStreamException internal constructor(
    /** Bytes of an incomplete last message that were dropped; 0 when the stream ended between messages. */
    public val droppedBytes: Int,
) : CoprocException(
    "the other end of the connection was closed by every process that held it" +
        if (droppedBytes > 0) "; an incomplete last message ($droppedBytes bytes) was dropped" else "",
)

/** Every process that held the receiving end closed it (or died): the message was not delivered. */
public class BrokenPipeException internal constructor() :
    CoprocException("the other end of the connection was closed by every process that held it; the message was not delivered")

/** This [Connection] was closed in this process, before or during the call. */
public class ConnectionClosedException internal constructor() : CoprocException("the connection is closed")

/**
 * The next message is longer than the receiver accepts. It stays unread: a call with a larger limit
 * receives it.
 */
public class MessageTooLongException internal constructor(
    /** The message's length in bytes. */
    public val length: Int,
    /** The limit it exceeded. */
    public val maxLength: Int,
) : CoprocException("the next message is $length bytes, more than the $maxLength accepted; it was left unread")

/**
 * The stream does not hold a valid message here: something other than a coproc [Connection] wrote to it.
 * The connection cannot be read further.
 */
public class CorruptedStreamException internal constructor(message: String) : CoprocException(message)

/**
 * A whole message (or queue item) arrived but does not decode as the type it was read as. Nothing is lost:
 * [bytes] holds it.
 */
public class MessageDecodingException internal constructor(
    /** The message as received. */
    public val bytes: ByteArray,
    cause: Throwable,
) : CoprocException("a ${bytes.size}-byte message does not decode as the type it was read as: ${cause.message}", cause)

/** Decodes one whole message, turning a failure into [MessageDecodingException], which keeps its bytes. */
internal fun <T> MessageCodec<T>.decodeMessage(bytes: ByteArray): T = try {
    decode(bytes)
} catch (e: SerializationException) {
    throw MessageDecodingException(bytes, e)
} catch (e: IllegalArgumentException) {
    throw MessageDecodingException(bytes, e)
}
