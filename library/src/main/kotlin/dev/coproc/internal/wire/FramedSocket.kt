package dev.coproc.internal.wire

import dev.coproc.internal.os.FdPoller
import dev.coproc.internal.os.OsException
import dev.coproc.internal.os.UnixSocket
import java.nio.channels.ClosedChannelException
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import java.util.zip.CRC32C
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withTimeoutOrNull
import jnr.ffi.Pointer
import kotlin.time.Duration

/**
 * The non-blocking-socket transport of [Frames] (pipes' connections and managers, over Unix or TCP
 * sockets). Calls never block a thread: when the socket would block they suspend until the [FdPoller] sees it
 * ready. Data frames are [Frame.MESSAGE]; a [KeyedHandshake] exchanges [Frame.HELLO]s first.
 *
 * A frame that breaks the format fails with [FrameException]: [FrameException.Reason.OVERSIZED] leaves it
 * unread (a later receive with a larger limit gets it), [FrameException.Reason.CORRUPTED] (unknown kind,
 * impossible length, checksum mismatch) means the stream cannot be trusted any more.
 *
 * Memory follows the bytes that arrive, never a length a peer announces: the buffers start small and grow as
 * traffic needs them, and a long message's array grows (doubling) as its bytes come in, so a peer that
 * announces 60 MiB and sends one byte costs about 1 MiB here, not 60.
 *
 * Not thread-safe on its own: one receiver and one sender at a time (a pipe's Connection locks).
 */
internal class FramedSocket(
    private val socket: UnixSocket,
    private val spinNanos: Long = 0,
    /** Checked while spinning: false stops it (a thread serving several sockets has other work). */
    private val spinWhile: () -> Boolean = { true },
    /** Names the other end in error messages. */
    private val peer: String = "the peer",
    /**
     * Whether the peer rings doorbells (a pipe whose messages come through shared memory): they are skipped.
     * Anywhere else a doorbell breaks the protocol.
     */
    private val doorbells: Boolean = false,
) {
    /** Native memory a small message is staged in, made on the first send and grown up to [SCRATCH_BYTES]. */
    private var sendScratch: Pointer? = null
    /** A header staged on the heap, then copied into [sendScratch]; only the sender uses it. */
    private val header = ByteArray(HEADER_BYTES)
    private val sendCrc = CRC32C()
    private val receiveCrc = CRC32C()
    private var input = ByteArray(INITIAL_INPUT_BYTES)
    private var start = 0
    private var end = 0
    private var atEnd = false

    /** A message longer than the input buffer, being received ([largeHave] of its [largeLength] bytes): null if none is. */
    private var large: ByteArray? = null
    private var largeLength = 0
    private var largeHave = 0
    private var largeKind: Byte = 0
    private var largeChecksum = 0
    private val waiting = ConcurrentHashMap.newKeySet<Waiter>()
    @Volatile private var closing = false

    /** The [FramedSocket] was closed here while a call waited or before it began. */
    class Closed : Exception()

    /** The stream ended. [partialBytes] is how much of a last, incomplete message was dropped. */
    class Ended(val partialBytes: Int) : Exception()

    /** Every receiver closed: nothing sent now can arrive. */
    class Broken : Exception()

    val number: Int get() = socket.number()

    /** A close-on-exec duplicate of the descriptor, to hand over to another process. */
    fun duplicate(): Int = try {
        socket.duplicate()
    } catch (e: ClosedChannelException) {
        throw Closed()
    }

    val isClosed: Boolean get() = closing

    /**
     * The next whole [Frame.MESSAGE]; throws [FrameException] (an oversized one stays unread), [Ended] or
     * [Closed]. A receive cancelled partway through a long message keeps what arrived: the next receive goes
     * on with it.
     */
    suspend fun receive(maxBytes: Int): ByteArray = receive(maxBytes, Frame.MESSAGE)

    /** The next whole frame, which must be of [kind] (a hello where a message is due breaks the protocol). */
    internal suspend fun receive(maxBytes: Int, kind: Byte): ByteArray {
        if (large != null) return receiveLarge()
        while (true) {
            skipDoorbells()
            val available = end - start
            if (available >= HEADER_BYTES) {
                Frames.breach(input, start, maxBytes, peer)?.let { throw it }
                val length = Frames.length(input, start)
                if (Frames.kind(input, start) != kind) throw unexpected(kind)
                if (available - HEADER_BYTES >= length) {
                    val at = start + HEADER_BYTES
                    checkSum(Frames.expectedChecksum(input, start), kind, input, at, length)
                    start = at + length
                    return input.copyOfRange(at, at + length)
                }
                if (HEADER_BYTES + length > input.size) {
                    if (HEADER_BYTES + length > MAX_INPUT_BYTES) return startLarge(length)
                    growInput(HEADER_BYTES + length)
                }
            }
            compactFor(HEADER_BYTES)
            fill()
        }
    }

    /** A frame of the other kind than [expected]: a second handshake, or a message before the handshake. */
    private fun unexpected(expected: Byte): FrameException =
        if (Frames.kind(input, start) == Frame.DOORBELL) {
            FrameException(FrameException.Reason.CORRUPTED, "$peer sent a doorbell, which this stream does not carry")
        } else if (expected == Frame.MESSAGE) {
            FrameException(FrameException.Reason.CORRUPTED, "$peer sent a handshake in the middle of the stream")
        } else {
            FrameException(FrameException.Reason.HANDSHAKE, "$peer did not start with a coproc handshake")
        }

    private fun checkSum(expected: Int, kind: Byte, bytes: ByteArray, offset: Int, length: Int) {
        if (Frames.checksum(receiveCrc, kind, bytes, offset, length) != expected) throw Frames.checksumMismatch(peer)
    }

    /** What this socket holds in buffers for the messages it receives, in bytes (for tests). */
    internal val bufferedBytes: Int get() = input.size + (large?.size ?: 0)

    /**
     * A message too long for the input buffer: read straight into an array of its own, which starts at
     * [LARGE_FIRST_BYTES] (or the whole message, if shorter) and doubles as it fills: it grows with the bytes
     * received, not with the length announced.
     */
    private suspend fun startLarge(length: Int): ByteArray {
        val have = end - start - HEADER_BYTES
        val message = ByteArray(minOf(length, maxOf(LARGE_FIRST_BYTES, have)))
        largeKind = Frames.kind(input, start)
        largeChecksum = Frames.expectedChecksum(input, start)
        input.copyInto(message, 0, start + HEADER_BYTES, end)
        start = 0
        end = 0
        large = message
        largeLength = length
        largeHave = have
        return receiveLarge()
    }

    private suspend fun receiveLarge(): ByteArray {
        var message = large!!
        var idle = 0
        while (largeHave < largeLength) {
            if (largeHave == message.size) {
                message = message.copyOf(minOf(largeLength.toLong(), 2L * message.size).toInt())
                large = message
            }
            val n = recv(message, largeHave, message.size - largeHave)
            when {
                n > 0 -> {
                    largeHave += n
                    idle = 0
                }
                n == 0 -> {
                    atEnd = true
                    large = null
                    throw Ended(HEADER_BYTES + largeHave)
                }
                // Mid-message the sender is writing right now: retrying a little beats two thread hand-offs.
                ++idle <= RETRIES_MID_MESSAGE -> Thread.onSpinWait()
                else -> await(FdPoller.READABLE, cancellable = true)
            }
        }
        large = null
        checkSum(largeChecksum, largeKind, message, 0, largeLength)
        return message
    }

    /** Grows the input buffer to hold [needed] bytes (at most [MAX_INPUT_BYTES]), keeping what it holds. */
    private fun growInput(needed: Int) {
        var size = input.size
        while (size < needed) size *= 2
        input = input.copyOf(minOf(size, MAX_INPUT_BYTES))
    }

    /**
     * True as soon as part of a message, or the end of the stream, can be read without waiting; false if
     * nothing came within [timeout].
     */
    suspend fun poll(timeout: Duration): Boolean {
        if (end > start || atEnd || large != null) return true
        if (readSome()) return true
        if (timeout <= Duration.ZERO) return false
        return withTimeoutOrNull(timeout) {
            while (true) {
                await(FdPoller.READABLE, cancellable = true)
                if (readSome()) break
            }
            true
        } ?: false
    }

    /**
     * For request-answer traffic ([spinNanos] > 0): the answer usually comes within microseconds, and a wait
     * in the poller costs two thread hand-offs, each longer than that. So look again for a short while first.
     */
    private fun spinForInput(): Boolean {
        if (spinNanos <= 0) return false
        val deadline = System.nanoTime() + spinNanos
        while (System.nanoTime() < deadline && spinWhile()) {
            Thread.onSpinWait()
            if (readSome()) return true
        }
        return false
    }

    /**
     * For a pipe whose messages come through shared memory, where the socket carries only doorbells, the
     * frames too long for the ring, and the end: reads what the socket has now, drops the doorbells, and says
     * what is left: [FRAME] (a frame, or its start), [ENDED], or [QUIET] (nothing, or part of a doorbell).
     */
    fun inputState(): Int {
        while (true) {
            skipDoorbells()
            if (large != null || end - start >= HEADER_BYTES) return FRAME
            if (atEnd) return ENDED
            compactFor(HEADER_BYTES)
            if (!readSome()) return QUIET
        }
    }

    /** Drops the doorbells at the head of the input; one with a payload breaks the stream. */
    private fun skipDoorbells() {
        if (!doorbells) return
        while (end - start >= HEADER_BYTES && Frames.kind(input, start) == Frame.DOORBELL) {
            if (Frames.length(input, start) != 0) throw FrameException(FrameException.Reason.CORRUPTED, "$peer sent a doorbell with a payload")
            start += HEADER_BYTES
        }
    }

    /** Suspends until the socket has bytes to read or has ended (whatever this side already buffered). */
    suspend fun awaitReadable() = await(FdPoller.READABLE, cancellable = true)

    /** Suspends until every holder of the other end closed it. */
    suspend fun awaitHangUp() = await(0, cancellable = true)

    /** True when every holder of the other end closed it. */
    fun peerClosed(): Boolean = try {
        socket.peerClosed()
    } catch (e: ClosedChannelException) {
        throw Closed()
    }

    /** Wakes a receiver sleeping on the socket. Not cancellable: a lost doorbell would leave it asleep. */
    suspend fun sendDoorbell() = send(Frame.DOORBELL, NO_BYTES, 0, 0, cancellable = false)

    /** One non-blocking read into the input buffer; true if it brought bytes or the end. */
    private fun readSome(): Boolean {
        compactFor(1)
        val room = input.size - end
        val n = recv(input, end, room)
        if (n > 0) end += n
        if (n == 0) atEnd = true
        // A read that filled all the room: the peer sends faster than this side reads, so read more at once.
        if (n == room && input.size < MAX_INPUT_BYTES) growInput(input.size * 2)
        return n >= 0
    }

    private suspend fun fill() {
        if (atEnd) throw Ended(end - start)
        if (!readSome() && !spinForInput()) {
            while (!readSome()) await(FdPoller.READABLE, cancellable = true)
        }
        if (atEnd) {
            val partial = end - start
            start = end
            throw Ended(partial)
        }
    }

    /** Makes room for [needed] more bytes after [end], moving unread bytes to the front. */
    private fun compactFor(needed: Int) {
        if (input.size - end >= needed) return
        input.copyInto(input, 0, start, end)
        end -= start
        start = 0
    }

    /**
     * Sends one whole [Frame.MESSAGE]. Until its first byte is written the call can be cancelled and nothing
     * was sent; after that it completes the message even if cancelled (a torn message would corrupt the stream
     * for the receiver), unless this socket is closed meanwhile. Not [cancellable] at all, it is sent whole
     * unless the socket is closed (a pipe's mark is out: its frame must follow).
     */
    suspend fun send(bytes: ByteArray, offset: Int, length: Int, cancellable: Boolean = true) = send(Frame.MESSAGE, bytes, offset, length, cancellable)

    /** Sends one whole frame of [kind]; see [send]. */
    internal suspend fun send(kind: Byte, bytes: ByteArray, offset: Int, length: Int, cancellable: Boolean = true) {
        Frames.putHeader(header, 0, kind, length, Frames.checksum(sendCrc, kind, bytes, offset, length))
        if (HEADER_BYTES + length <= SCRATCH_BYTES) {
            // Small: header and bytes in one system call.
            val scratch = stageHeader(HEADER_BYTES + length)
            scratch.put(HEADER_BYTES.toLong(), bytes, offset, length)
            sendAll(HEADER_BYTES + length, alreadyStarted = !cancellable) { done, count -> socket.send(scratch, done.toLong(), count) }
        } else {
            // Large: the bytes go straight from the array, without a copy through native memory.
            val scratch = stageHeader(HEADER_BYTES)
            sendAll(HEADER_BYTES, alreadyStarted = !cancellable) { done, count -> socket.send(scratch, done.toLong(), count) }
            sendAll(length, alreadyStarted = true) { done, count -> socket.send(bytes, offset + done, count) }
        }
    }

    /** Sends [total] bytes through [write]; cancellable only until the first byte of the message went out. */
    private suspend inline fun sendAll(total: Int, alreadyStarted: Boolean = false, write: (done: Int, count: Int) -> Int) {
        var done = 0
        var idle = 0
        while (done < total) {
            val n = try {
                write(done, total - done)
            } catch (e: ClosedChannelException) {
                throw Closed()
            } catch (e: OsException) {
                if (e.isBrokenPipe) throw Broken()
                throw e
            }
            when {
                n > 0 -> {
                    done += n
                    idle = 0
                }
                // Mid-message the receiver is draining right now: retrying a little beats two thread hand-offs.
                (alreadyStarted || done > 0) && ++idle <= RETRIES_MID_MESSAGE -> Thread.onSpinWait()
                else -> await(FdPoller.WRITABLE, cancellable = !alreadyStarted && done == 0)
            }
        }
    }

    /** Copies the staged [header] into a scratch of at least [room] bytes, and returns the scratch. */
    private fun stageHeader(room: Int): Pointer {
        val scratch = sendScratch?.takeIf { it.size() >= room } ?: newScratch(room)
        scratch.put(0, header, 0, HEADER_BYTES)
        return scratch
    }

    private fun newScratch(room: Int): Pointer {
        var size = INITIAL_SCRATCH_BYTES
        while (size < room) size *= 2
        return UnixSocket.sendBuffer(size).also { sendScratch = it }
    }

    private fun recv(array: ByteArray, offset: Int, count: Int): Int = try {
        socket.recv(array, offset, count)
    } catch (e: ClosedChannelException) {
        throw Closed()
    }

    private suspend fun await(events: Short, cancellable: Boolean) {
        if (cancellable) awaitReady(events) else withContext(NonCancellable) { awaitReady(events) }
    }

    /** One suspended call; whoever [claim]s it (the poller, a cancel, [close]) is the one that resumes it. */
    private class Waiter(val continuation: CancellableContinuation<Unit>) {
        private val claimed = AtomicBoolean()
        @Volatile var wait: FdPoller.Wait? = null

        fun claim(): Boolean = claimed.compareAndSet(false, true)
    }

    private suspend fun awaitReady(events: Short) {
        if (closing) throw Closed()
        suspendCancellableCoroutine { continuation ->
            val waiter = Waiter(continuation)
            waiting += waiter
            // Registered through the socket, so that a close() meanwhile cannot free the descriptor's number
            // for another file: the registration then fails, or is undone below.
            val registered = try {
                waiter.wait = socket.await(FdPoller.get(), events) {
                    if (waiter.claim()) {
                        waiting -= waiter
                        continuation.resume(Unit)
                    }
                }
                true
            } catch (e: ClosedChannelException) {
                false
            } catch (e: OsException) {
                if (waiter.claim()) waiting -= waiter
                throw e
            }
            continuation.invokeOnCancellation {
                if (waiter.claim()) {
                    waiting -= waiter
                    waiter.wait?.cancel()
                }
            }
            // close() may have run before the registration, or during it (then it missed the wait to cancel).
            if (closing || !registered) {
                waiter.wait?.cancel()
                if (waiter.claim()) {
                    waiting -= waiter
                    continuation.resumeWithException(Closed())
                }
            }
        }
    }

    /** Closes the socket; calls waiting on it fail with [Closed]. */
    fun close() {
        closing = true
        for (waiter in waiting.toList()) {
            if (!waiter.claim()) continue
            waiting -= waiter
            waiter.wait?.cancel()
            waiter.continuation.resumeWithException(Closed())
        }
        socket.close()
    }

    companion object {
        /** [inputState]s. */
        const val QUIET = 0
        const val FRAME = 1
        const val ENDED = 2

        private val NO_BYTES = ByteArray(0)
        private const val HEADER_BYTES = Frames.HEADER_BYTES
        /** The largest message staged in native memory to go out in one system call with its header. */
        private const val SCRATCH_BYTES = 64 * 1024
        private const val INITIAL_SCRATCH_BYTES = 256
        private const val INITIAL_INPUT_BYTES = 4 * 1024
        /** The input buffer's largest size: longer messages are read into arrays of their own. */
        private const val MAX_INPUT_BYTES = 64 * 1024
        /** A long message's array to begin with: a message up to this long is read into one array of its size. */
        private const val LARGE_FIRST_BYTES = 1024 * 1024
        /** Non-blocking retries (a system call and a spin-wait hint each, about a microsecond) before waiting in the poller. */
        private const val RETRIES_MID_MESSAGE = 64
    }
}
