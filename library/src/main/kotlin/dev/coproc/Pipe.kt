package dev.coproc

import dev.coproc.internal.os.SharedMemory
import dev.coproc.internal.os.UnixSocket
import dev.coproc.internal.shm.QueueRing
import dev.coproc.internal.PipeRings
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
 * Messages of up to 64 KiB travel through a ring in shared memory per direction (a memfd, owner-only,
 * never in `/dev/shm`): no system call per message while both sides are busy. Longer ones, and end of
 * stream, go through a Unix domain socket pair rather than OS pipes: it moves bulk data several times faster
 * than a pipe here, and it lets an end travel to any process as a real descriptor, so end-of-stream stays
 * exact. A sleeping receiver waits on the socket, woken by a doorbell frame. Every descriptor is
 * close-on-exec.
 */
public fun <T> Pipe(
    serializer: KSerializer<T>,
    duplex: Boolean = true,
    maxMessageBytes: Int = DEFAULT_MAX_MESSAGE_BYTES,
): Pair<Connection<T>, Connection<T>> {
    require(maxMessageBytes >= 0) { "maxMessageBytes must not be negative: $maxMessageBytes" }
    val opened = ArrayList<AutoCloseable>()
    try {
        val (first, second) = UnixSocket.pair(SEND_BUFFER_BYTES).onEach(opened::add)
        if (!duplex) {
            first.shutdown(false)
            second.shutdown(true)
        }
        // Each direction's ring, mapped once per end: an end closes its own mapping.
        val toFirst = ringPair().onEach { opened.add(it.memory()) }
        val toSecond = if (duplex) ringPair().onEach { opened.add(it.memory()) } else null
        val firstRings = PipeRings(inbox = toFirst[0], outbox = toSecond?.get(0))
        val secondRings = PipeRings(inbox = toSecond?.get(1), outbox = toFirst[1])
        return Connection.open(first, serializer, canSend = duplex, canReceive = true, maxMessageBytes, firstRings) to
            Connection.open(second, serializer, canSend = true, canReceive = duplex, maxMessageBytes, secondRings)
    } catch (e: Throwable) {
        opened.forEach { it.close() }
        throw e
    }
}

/** One direction's ring, mapped twice: for the end that sends into it and the one that receives from it. */
private fun ringPair(): List<QueueRing> {
    val ring = QueueRing.create(Long.MAX_VALUE, PipeRings.RING_BYTES, "pipe")
    return try {
        listOf(ring, QueueRing.open(SharedMemory.adopt(ring.memory().duplicate())))
    } catch (e: Throwable) {
        ring.memory().close()
        throw e
    }
}

/** Each end's send buffer: large messages cross in fewer rounds of filling and draining. */
private const val SEND_BUFFER_BYTES = 1024 * 1024

/** A new pipe carrying [T]; see the [Pipe] that takes a serializer. */
public inline fun <reified T> Pipe(duplex: Boolean = true, maxMessageBytes: Int = DEFAULT_MAX_MESSAGE_BYTES): Pair<Connection<T>, Connection<T>> =
    Pipe(serializer<T>(), duplex, maxMessageBytes)
