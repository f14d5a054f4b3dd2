package dev.coproc

import dev.coproc.internal.os.UnixSocket
import kotlinx.serialization.KSerializer
import kotlinx.serialization.serializer

/** The default limit of one message: larger ones are refused by the receiver, unread. */
public const val DEFAULT_MAX_MESSAGE_BYTES: Int = 256 * 1024 * 1024

/**
 * A new pipe: two connected [Connection] ends carrying messages of type [T]. Python's `Pipe()`.
 *
 * With [duplex] (the default) both ends send and receive. Without it, the first end only receives and
 * the second only sends, as in Python; using an end the wrong way fails with
 * [UnsupportedOperationException], and the OS refuses it too (the unused directions are shut down).
 *
 * Backed by a Unix domain socket pair rather than OS pipes: one descriptor carries both directions, it
 * moves bulk data several times faster than a pipe here, and it lets an end travel to any process as a
 * real descriptor, so end-of-stream stays exact. Both ends are close-on-exec.
 */
public fun <T> Pipe(
    serializer: KSerializer<T>,
    duplex: Boolean = true,
    maxMessageBytes: Int = DEFAULT_MAX_MESSAGE_BYTES,
): Pair<Connection<T>, Connection<T>> {
    require(maxMessageBytes >= 0) { "maxMessageBytes must not be negative: $maxMessageBytes" }
    val (first, second) = UnixSocket.pair(SEND_BUFFER_BYTES)
    if (!duplex) {
        first.shutdown(false)
        second.shutdown(true)
    }
    return Connection.open(first, serializer, canSend = duplex, canReceive = true, maxMessageBytes) to
        Connection.open(second, serializer, canSend = true, canReceive = duplex, maxMessageBytes)
}

/** Each end's send buffer: large messages cross in fewer rounds of filling and draining. */
private const val SEND_BUFFER_BYTES = 1024 * 1024

/** A new pipe carrying [T]; see the [Pipe] that takes a serializer. */
public inline fun <reified T> Pipe(duplex: Boolean = true, maxMessageBytes: Int = DEFAULT_MAX_MESSAGE_BYTES): Pair<Connection<T>, Connection<T>> =
    Pipe(serializer<T>(), duplex, maxMessageBytes)
