package dev.coproc

import dev.coproc.os.Signals
import dev.coproc.internal.PipeRings
import dev.coproc.internal.os.SharedMemory
import dev.coproc.internal.os.UnixSocket
import dev.coproc.internal.shm.ProcessIdentity
import dev.coproc.internal.shm.QueueRing
import dev.coproc.internal.wire.Frame
import dev.coproc.internal.wire.FramedSocket
import dev.coproc.internal.wire.Frames
import dev.coproc.internal.wire.RawFrames
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.builtins.serializer

class PipeSpec : FunSpec({
    extension(Hygiene)
    timeout = 60_000

    test("a duplex pipe carries typed messages both ways, in order") {
        val (left, right) = Pipe<String>()
        left.use {
            right.use {
                left.send("ping")
                left.send("pong")
                right.receive() shouldBe "ping"
                right.receive() shouldBe "pong"
                right.send("back")
                left.receive() shouldBe "back"
            }
        }
    }

    test("a one-way pipe: the first end only receives, the second only sends") {
        val (reader, writer) = Pipe<Int>(duplex = false)
        reader.use {
            writer.use {
                reader.canSend shouldBe false
                writer.canReceive shouldBe false
                writer.send(7)
                reader.receive() shouldBe 7
                shouldThrow<UnsupportedOperationException> { reader.send(1) }.message shouldContain "only receives"
                shouldThrow<UnsupportedOperationException> { writer.receive() }.message shouldContain "only sends"
            }
        }
    }

    test("raw byte messages, with a length limit that leaves a longer message unread") {
        val (a, b) = Pipe<String>()
        a.use {
            b.use {
                a.sendBytes(ByteArray(100) { it.toByte() })
                a.sendBytes(byteArrayOf(9, 8, 7, 6), offset = 1, length = 2)
                val tooLong = shouldThrow<MessageTooLongException> { b.receiveBytes(maxLength = 10) }
                tooLong.length shouldBe 100
                b.receiveBytes(maxLength = 100).toList() shouldBe (0 until 100).map { it.toByte() }
                b.receiveBytes().toList() shouldContainExactly listOf<Byte>(8, 7)
            }
        }
    }

    test("a long message refused by the receiver's limit stays unread, in order, whichever path it took") {
        val (a, b) = Pipe<String>()
        a.use {
            b.use {
                // 100 bytes go through the shared-memory ring, 100 000 through the socket after a mark.
                for (size in listOf(100, 100_000)) {
                    a.sendBytes(ByteArray(size) { it.toByte() })
                    a.sendBytes(byteArrayOf(1, 2))
                    shouldThrow<MessageTooLongException> { b.receiveBytes(maxLength = 10) }.length shouldBe size
                    shouldThrow<MessageTooLongException> { b.receiveBytes(maxLength = 10) }.length shouldBe size
                    b.receiveBytes(maxLength = size).size shouldBe size
                    b.receiveBytes(maxLength = 10).toList() shouldContainExactly listOf<Byte>(1, 2)
                }
            }
        }
    }

    test("a pipe of ByteArray sends each message as its bytes: send and sendBytes, receive and receiveBytes agree") {
        val (a, b) = Pipe<ByteArray>()
        a.use {
            b.use {
                val payload = ByteArray(1000) { (it * 7).toByte() }
                a.send(payload)
                b.receiveBytes() shouldBe payload // not a CBOR array of 1,000 integers
                a.sendBytes(payload)
                b.receive() shouldBe payload
            }
        }
    }

    test("messages of several MiB arrive whole, in both directions at once") {
        val (a, b) = Pipe<String>()
        a.use {
            b.use {
                val big = ByteArray(8 * 1024 * 1024) { (it * 31).toByte() }
                coroutineScope {
                    launch { repeat(3) { a.sendBytes(big) } }
                    launch { repeat(3) { b.sendBytes(big) } }
                    repeat(3) { b.receiveBytes().contentEquals(big) shouldBe true }
                    repeat(3) { a.receiveBytes().contentEquals(big) shouldBe true }
                }
            }
        }
    }

    test("poll waits up to its timeout for a message") {
        val (a, b) = Pipe<Int>()
        a.use {
            b.use {
                b.poll() shouldBe false
                b.poll(50.milliseconds) shouldBe false
                coroutineScope {
                    val waiting = async { b.poll(10.seconds) }
                    a.send(1)
                    waiting.await() shouldBe true
                }
                b.receive() shouldBe 1
            }
        }
    }

    test("end of stream after every sender closed: what was sent is still read, then EndOfStreamException") {
        val (a, b) = Pipe<Int>()
        b.use {
            a.send(1)
            a.send(2)
            a.close()
            b.receive() shouldBe 1
            b.receive() shouldBe 2
            shouldThrow<EndOfStreamException> { b.receive() }.droppedBytes shouldBe 0
            shouldThrow<EndOfStreamException> { b.receive() }
            b.poll() shouldBe true
        }
    }

    test("a receiving flow completes at end of stream") {
        val (a, b) = Pipe<Int>()
        b.use {
            coroutineScope {
                launch {
                    for (i in 1..100) a.send(i)
                    a.close()
                }
                b.receiveAsFlow().toList() shouldBe (1..100).toList()
            }
        }
    }

    test("a receiving channel gets every message, then closes at end of stream") {
        val (a, b) = Pipe<String>()
        b.use {
            coroutineScope {
                val channel = b.receiveChannel(this, capacity = 4)
                launch {
                    listOf("x", "y", "z").forEach { a.send(it) }
                    a.close()
                }
                buildList { for (message in channel) add(message) } shouldBe listOf("x", "y", "z")
                channel.receiveCatching().isClosed shouldBe true
            }
        }
    }

    test("sending when every receiver closed fails with BrokenPipeException") {
        val (a, b) = Pipe<Int>()
        a.use {
            b.close()
            shouldThrow<BrokenPipeException> { a.send(1) }
        }
    }

    test("a closed end fails clearly, and closing it wakes a receive waiting on it") {
        val (a, b) = Pipe<Int>()
        a.use {
            b.close()
            b.isClosed shouldBe true
            shouldThrow<ConnectionClosedException> { b.receive() }
            shouldThrow<ConnectionClosedException> { b.send(1) }
            b.close() // twice is fine
            val (c, d) = Pipe<Int>()
            c.use {
                coroutineScope {
                    // Runs until the receive suspends, waiting for the poller.
                    val waiting = async(start = CoroutineStart.UNDISPATCHED) { runCatching { d.receive() } }
                    d.close()
                    waiting.await().exceptionOrNull()!!::class shouldBe ConnectionClosedException::class
                }
            }
        }
    }

    test("a cancelled receive loses nothing: the next receive gets the message") {
        val (a, b) = Pipe<String>()
        a.use {
            b.use {
                coroutineScope {
                    val waiting = launch(start = CoroutineStart.UNDISPATCHED) { b.receive() }
                    waiting.cancelAndJoin()
                }
                a.send("kept")
                b.receive() shouldBe "kept"
            }
        }
    }

    test("a message that does not decode arrives with its bytes; the next one is received") {
        val (a, b) = Pipe<Int>()
        a.use {
            b.use {
                a.sendBytes(byteArrayOf(0x7f, 0x01)) // not CBOR for an Int
                a.send(5)
                shouldThrow<MessageDecodingException> { b.receive() }.bytes.toList() shouldBe listOf<Byte>(0x7f, 0x01)
                b.receive() shouldBe 5
            }
        }
    }

    test("bytes that are not a message header are reported as a corrupted stream") {
        val (raw, wrapped) = UnixSocket.pair()
        raw.use {
            Connection.open(wrapped, Int.serializer(), canSend = true, canReceive = true, maxMessageBytes = 1024).use { connection ->
                val garbage = ByteArray(9) { -1 }
                raw.send(garbage, 0, garbage.size) shouldBe garbage.size
                shouldThrow<CorruptedStreamException> { connection.receive() }
            }
        }
    }

    test("a frame whose checksum does not match, small or large, or a handshake frame mid-stream, is a corrupted stream") {
        for (frame in listOf(
            RawFrames.frame(Frame.MESSAGE, byteArrayOf(0, 0, 0, 5), checksum = 7),
            RawFrames.frame(Frame.MESSAGE, ByteArray(3 * 1024 * 1024) { it.toByte() }, checksum = 7),
            RawFrames.frame(Frame.HELLO, byteArrayOf(0, 0, 0, 5)),
        )) {
            val (raw, wrapped) = UnixSocket.pair()
            raw.use {
                Connection.open(wrapped, Int.serializer(), canSend = true, canReceive = true, maxMessageBytes = 4 * 1024 * 1024).use { connection ->
                    coroutineScope {
                        launch {
                            var sent = 0
                            while (sent < frame.size) {
                                val n = raw.send(frame, sent, frame.size - sent)
                                if (n > 0) sent += n else dev.coproc.internal.awaitFd(raw.number(), dev.coproc.internal.os.FdPoller.WRITABLE)
                            }
                        }
                        val error = shouldThrow<CorruptedStreamException> { withTimeout(10.seconds) { connection.receive() } }
                        error.message shouldContain (if (frame[4] == Frame.HELLO) "handshake" else "checksum")
                    }
                }
            }
        }
    }

    test("a doorbell breaks a stream that carries none (a manager's), and a ringed pipe's receiver skips it") {
        for (doorbells in listOf(false, true)) {
            val (raw, wrapped) = UnixSocket.pair()
            val framed = FramedSocket(wrapped, doorbells = doorbells)
            try {
                val bytes = RawFrames.frame(Frame.DOORBELL, ByteArray(0)) + RawFrames.frame(Frame.MESSAGE, byteArrayOf(7))
                raw.send(bytes, 0, bytes.size) shouldBe bytes.size
                if (doorbells) {
                    withTimeout(10.seconds) { framed.receive(100) }.toList() shouldBe listOf<Byte>(7)
                } else {
                    shouldThrow<dev.coproc.internal.wire.FrameException> { withTimeout(10.seconds) { framed.receive(100) } }
                        .message shouldContain "sent a doorbell, which this stream does not carry"
                }
            } finally {
                framed.close()
                raw.close()
            }
        }
    }

    test("a message announced long but arriving slowly takes memory as its bytes arrive, not as announced, and arrives whole") {
        val (raw, wrapped) = UnixSocket.pair()
        val framed = FramedSocket(wrapped)
        try {
            val length = 48 * 1024 * 1024
            val message = ByteArray(length) { (it % 251).toByte() }
            val header = RawFrames.frame(Frame.MESSAGE, message).copyOf(Frames.HEADER_BYTES)
            raw.send(header + message.copyOf(1), 0, header.size + 1) shouldBe header.size + 1
            coroutineScope {
                // Undispatched: it reads the header and the one byte, then waits for more.
                val received = async(start = CoroutineStart.UNDISPATCHED) { framed.receive(64 * 1024 * 1024) }
                framed.bufferedBytes shouldBeLessThanOrEqual 2 * 1024 * 1024
                var sent = 1
                while (sent < length) {
                    val n = raw.send(message, sent, length - sent)
                    if (n > 0) sent += n else dev.coproc.internal.awaitFd(raw.number(), dev.coproc.internal.os.FdPoller.WRITABLE)
                }
                (withTimeout(30.seconds) { received.await() } contentEquals message) shouldBe true
            }
        } finally {
            framed.close()
            raw.close()
        }
    }

    test("an end passed to a child process: the child sends [42, null, \"hello\"] and closes, the parent gets it then EOF") {
        val (parentEnd, childEnd) = Pipe<Triple<Int, String?, String>>()
        parentEnd.use {
            val child = Process(SendGreeting(childEnd))
            child.start()
            childEnd.close() // as in Python: the parent's copy of the child's end
            parentEnd.receive() shouldBe Triple(42, null, "hello")
            shouldThrow<EndOfStreamException> { parentEnd.receive() }
            child.join()
            child.exitCode shouldBe 0
        }
    }

    test("a duplex end in a child: request and answer over one pipe") {
        val (mine, theirs) = Pipe<String>()
        mine.use {
            val child = Process(UpperCaseEcho(theirs)).also { it.start() }
            theirs.close()
            for (word in listOf("a", "bc", "def")) {
                mine.send(word)
                mine.receive() shouldBe word.uppercase()
            }
            mine.close()
            child.await() shouldBe 3
            child.join()
        }
    }

    test("ends passed to pool tasks: every task sends through the same end, which each task closes when it ends") {
        val (reader, writer) = Pipe<Long>(duplex = false)
        reader.use {
            coroutineScope {
                // Read while they send: a socket buffer holds a few hundred small messages, not a thousand.
                val received = async { reader.receiveAsFlow().toList() }
                processPool(2) {
                    val sent = (0 until 4).map { t -> applyAsync(SendNumbers(writer, t * 1000L, 250)) }.map { it.await() }
                    sent.sum() shouldBe 1000
                    // Every task's copy was closed when it ended, though the workers live on: only ours is left.
                    writer.close()
                    received.await().let { all ->
                        all.size shouldBe 1000
                        // Each producer's messages arrive in the order it sent them.
                        all.groupBy { it / 1000 }.values.forEach { fromOne -> fromOne shouldBe fromOne.sorted() }
                    }
                }
            }
        }
    }

    test("ends given to processes killed before they fetched them are let go: the other ends see end of stream, no fd is left") {
        val before = Hygiene.openFds().size
        val pipes = List(20) { Pipe<String>(duplex = false) }
        // Killed right after start: the child JVM is still starting, it cannot have fetched its end.
        val children = pipes.map { (_, writer) -> Process(HoldOpen(writer)).also { it.start(); it.kill() } }
        children.forEach { it.join() }
        children.forEach { it.exitCode shouldBe -9 }
        pipes.forEach { (_, writer) -> writer.close() }
        pipes.forEach { (reader, _) ->
            reader.use { shouldThrow<EndOfStreamException> { withTimeout(10.seconds) { reader.receive() } } }
        }
        Hygiene.awaitOpenFdsAtMost(before)
    }

    test("a child that closes the end it was given and lives on: the other end sees end of stream while it runs") {
        val (reader, writer) = Pipe<String>(duplex = false)
        reader.use {
            val child = Process(CloseAndLiveOn(writer)).also { it.start() }
            writer.close()
            // Nothing is kept for the child once it fetched its end, though it is still running.
            shouldThrow<EndOfStreamException> { withTimeout(30.seconds) { reader.receive() } }
            child.isAlive shouldBe true
            child.terminate()
            child.join()
        }
    }

    test("an end sent in a message to a live process arrives after the sender closed its own copy") {
        val (control, childControl) = Pipe<Connection<String>>()
        control.use {
            val child = Process(ReceiveEndAndSend(childControl, "through the end I was sent")).also { it.start() }
            childControl.close()
            val (reader, writer) = Pipe<String>(duplex = false)
            reader.use {
                control.send(writer)
                writer.close()
                withTimeout(30.seconds) { reader.receive() } shouldBe "through the end I was sent"
                shouldThrow<EndOfStreamException> { withTimeout(30.seconds) { reader.receive() } }
            }
            child.await()
            child.join()
        }
    }

    test("small messages and long ones, on either side of what the shared-memory ring carries, arrive whole and in order from a child") {
        val (reader, writer) = Pipe<ByteArray>(duplex = false)
        reader.use {
            val sizes = listOf(0, 1, 65_535, 65_536, 65_537, 300_000, 9, 1_048_576, 200_000, 3)
            val child = Process(SendSizes(writer, sizes, rounds = 8)).also { it.start() }
            writer.close()
            withTimeout(60.seconds) {
                for (n in 0 until sizes.size * 8) {
                    val message = reader.receiveBytes()
                    message.size shouldBe sizes[n % sizes.size]
                    message.all { it == (n % 251).toByte() } shouldBe true
                }
                shouldThrow<EndOfStreamException> { reader.receiveBytes() }
            }
            child.join()
            child.exitCode shouldBe 0
        }
    }

    test("a sender killed by SIGKILL amid small messages: every number arrives once and in order, then end of stream") {
        val (reader, writer) = Pipe<Long>(duplex = false)
        reader.use {
            val child = Process(CountForever(writer)).also { it.start() }
            writer.close()
            var next = 0L
            withTimeout(60.seconds) {
                shouldThrow<EndOfStreamException> {
                    while (true) {
                        reader.receive() shouldBe next
                        next++
                        if (next == 200_000L) child.sendSignal(Signals.SIGKILL)
                    }
                }
            }
            next shouldBeGreaterThan 199_999L
            child.join()
            child.exitCode shouldBe -9
        }
    }

    test("a sender waiting for room in a full pipe fails with BrokenPipeException once the receiver closes, and with ConnectionClosedException once it is closed itself") {
        for (closeReceiver in listOf(true, false)) {
            val (receiver, sender) = Pipe<ByteArray>(duplex = false)
            try {
                val message = ByteArray(1000)
                // As many as the ring holds (each takes its length word and padding): the next one waits.
                val fit = PipeRings.RING_BYTES / 1008
                val sent = java.util.concurrent.atomic.AtomicInteger()
                val error = coroutineScope {
                    val sending = async(kotlinx.coroutines.Dispatchers.Default) {
                        runCatching { withTimeout(30.seconds) { while (true) sender.sendBytes(message).also { sent.incrementAndGet() } } }.exceptionOrNull()
                    }
                    withTimeout(30.seconds) { while (sent.get() < fit) kotlinx.coroutines.delay(1) }
                    if (closeReceiver) receiver.close() else sender.close()
                    sending.await()
                }
                sent.get() shouldBe fit
                error!!::class shouldBe (if (closeReceiver) BrokenPipeException::class else ConnectionClosedException::class)
            } finally {
                receiver.close()
                sender.close()
            }
        }
    }

    test("a sender killed by SIGKILL mid-stream: every message received is whole, then end of stream") {
        val (reader, writer) = Pipe<ByteArray>(duplex = false)
        reader.use {
            val size = 300_000 // larger than the socket buffer, so the kill can land mid-message
            val child = Process(StreamForever(writer, size)).also { it.start() }
            writer.close()
            var count = 0
            val error = shouldThrow<EndOfStreamException> {
                while (true) {
                    val message = reader.receiveBytes()
                    message.size shouldBe size
                    message.all { it == (count % 251).toByte() } shouldBe true
                    count++
                    if (count == 20) child.sendSignal(Signals.SIGKILL)
                }
            }
            count shouldBeGreaterThan 19
            child.join()
            child.exitCode shouldBe -9
            println("dropped ${error.droppedBytes} bytes of a torn last message after $count whole ones")
        }
    }

    test("a long message goes straight into the caller's buffer, at an offset; one that does not fit stays unread") {
        val (a, b) = Pipe<String>()
        a.use {
            b.use {
                val big = ByteArray(3 * 1024 * 1024 + 5) { (it % 253).toByte() }
                val medium = ByteArray(70_000) { (it % 7).toByte() }
                coroutineScope {
                    launch(Dispatchers.Default) {
                        a.sendBytes(big)
                        a.sendBytes(byteArrayOf(1, 2, 3))
                        a.sendBytes(medium)
                    }
                    val buffer = ByteArray(4 * 1024 * 1024)
                    withTimeout(30.seconds) { b.receiveBytesInto(buffer, offset = 7) } shouldBe big.size
                    buffer.copyOfRange(7, 7 + big.size).contentEquals(big) shouldBe true
                    withTimeout(30.seconds) { b.receiveBytesInto(buffer) } shouldBe 3
                    buffer.copyOf(3).toList() shouldContainExactly listOf<Byte>(1, 2, 3)
                    shouldThrow<MessageTooLongException> { withTimeout(30.seconds) { b.receiveBytesInto(ByteArray(70_000), offset = 1) } }.length shouldBe 70_000
                    b.receiveBytesInto(buffer, offset = buffer.size - 70_000) shouldBe 70_000
                    buffer.copyOfRange(buffer.size - 70_000, buffer.size).contentEquals(medium) shouldBe true
                }
            }
        }
    }

    test("long messages from two processes at once arrive whole, each sender's in its order") {
        val (reader, writer) = Pipe<ByteArray>(duplex = false)
        reader.use {
            val count = 40
            val children = listOf<Byte>(1, 2).map { mark -> Process(SendMarked(writer, mark, count, 300_000)).also { it.start() } }
            writer.close()
            val next = IntArray(3)
            withTimeout(60.seconds) {
                repeat(2 * count) {
                    val message = reader.receiveBytes()
                    message.size shouldBe 300_000
                    val mark = message[4]
                    (mark == 1.toByte() || mark == 2.toByte()) shouldBe true
                    java.nio.ByteBuffer.wrap(message).getInt(0) shouldBe next[mark.toInt()]++
                    message.drop(4).all { it == mark } shouldBe true
                }
                shouldThrow<EndOfStreamException> { reader.receiveBytes() }
            }
            children.forEach { it.join(); it.exitCode shouldBe 0 }
        }
    }

    test("a receive cancelled partway through a long message keeps what arrived: the next one gets it whole, as an array or in a buffer") {
        for (nextIntoBuffer in listOf(false, true)) {
            handMadePipe { sending, receiver, _, _ ->
                val message = ByteArray(3000) { (it % 249).toByte() }
                val id = 42L
                sending.putPiece(id, ProcessIdentity.self(), 3000, 0, message, 0, 1000) shouldBe QueueRing.PUT
                sending.putPiece(id, ProcessIdentity.self(), 3000, 1000, message, 1000, 1000) shouldBe QueueRing.PUT
                val buffer = ByteArray(5000)
                // The two pieces are taken before the receive waits for the third, then it is cancelled.
                withTimeoutOrNull(200.milliseconds) { receiver.receiveBytesInto(buffer) } shouldBe null
                buffer.fill(-1)
                sending.putPiece(id, ProcessIdentity.self(), 3000, 2000, message, 2000, 1000) shouldBe QueueRing.PUT
                val received = withTimeout(10.seconds) {
                    if (nextIntoBuffer) buffer.copyOf(receiver.receiveBytesInto(buffer)) else receiver.receiveBytes()
                }
                received.contentEquals(message) shouldBe true
            }
        }
    }

    test("a long message whose sender died partway is dropped whole: what follows arrives, and the end counts no torn bytes") {
        handMadePipe { sending, receiver, sender, _ ->
            // The same pid with another start time: a process that is gone, its pid perhaps reused.
            val dead = ProcessIdentity.self() xor 1L
            val message = ByteArray(3000)
            sending.putPiece(7L, dead, 3000, 0, message, 0, 1000) shouldBe QueueRing.PUT
            sender.sendBytes(byteArrayOf(5))
            withTimeout(10.seconds) { receiver.receiveBytes() }.toList() shouldBe listOf<Byte>(5)
            // Idle for over a second: the receiver looks at the senders of unfinished messages.
            receiver.poll(2.seconds) shouldBe false
            sender.close()
            shouldThrow<EndOfStreamException> { withTimeout(10.seconds) { receiver.receiveBytes() } }.droppedBytes shouldBe 0
        }
        handMadePipe { sending, receiver, sender, _ ->
            // A live sender that stopped partway and closed: the end of the stream counts what came of it.
            sending.putPiece(8L, ProcessIdentity.self(), 3000, 0, ByteArray(1000), 0, 1000) shouldBe QueueRing.PUT
            sender.close()
            shouldThrow<EndOfStreamException> { withTimeout(10.seconds) { receiver.receiveBytes() } }.droppedBytes shouldBe 1000
        }
    }

    test("pieces still in the ring of a message let go (its sender died) are skipped, not taken for a corruption") {
        handMadePipe { sending, receiver, sender, _ ->
            val dead = ProcessIdentity.self() xor 1L
            sending.putPiece(7L, dead, 3000, 0, ByteArray(1000), 0, 1000) shouldBe QueueRing.PUT
            sender.sendBytes(byteArrayOf(5))
            withTimeout(10.seconds) { receiver.receiveBytes() }.toList() shouldBe listOf<Byte>(5)
            receiver.poll(2.seconds) shouldBe false // idle: the message is let go
            // Its next piece, committed just before its sender was killed, and one of a message never begun here.
            sending.putPiece(7L, dead, 3000, 1000, ByteArray(1000), 0, 1000) shouldBe QueueRing.PUT
            sending.putPiece(8L, dead, 3000, 1000, ByteArray(1000), 0, 1000) shouldBe QueueRing.PUT
            sender.sendBytes(byteArrayOf(6))
            withTimeout(10.seconds) { receiver.receiveBytes() }.toList() shouldBe listOf<Byte>(6)
        }
    }

    test("a long message still coming does not hold up shorter ones for a smaller limit; once whole and too long, it stays first") {
        handMadePipe { sending, receiver, sender, _ ->
            val message = ByteArray(3000) { it.toByte() }
            sending.putPiece(7L, ProcessIdentity.self(), 3000, 0, message, 0, 1000) shouldBe QueueRing.PUT
            withTimeoutOrNull(200.milliseconds) { receiver.receiveBytes() } shouldBe null // takes the piece, then waits
            sender.sendBytes(byteArrayOf(6))
            withTimeout(10.seconds) { receiver.receiveBytes(maxLength = 100) }.toList() shouldBe listOf<Byte>(6)
            sending.putPiece(7L, ProcessIdentity.self(), 3000, 1000, message, 1000, 2000) shouldBe QueueRing.PUT
            sender.sendBytes(byteArrayOf(7))
            shouldThrow<MessageTooLongException> { withTimeout(10.seconds) { receiver.receiveBytesInto(ByteArray(100)) } }.length shouldBe 3000
            shouldThrow<MessageTooLongException> { withTimeout(10.seconds) { receiver.receiveBytes(maxLength = 100) } }.length shouldBe 3000
            withTimeout(10.seconds) { receiver.receiveBytes() }.contentEquals(message) shouldBe true
            withTimeout(10.seconds) { receiver.receiveBytes(maxLength = 100) }.toList() shouldBe listOf<Byte>(7)
        }
    }

    test("a hundred long messages under way at once, their pieces interleaved, each arrives whole") {
        handMadePipe { sending, receiver, _, _ ->
            fun message(id: Int) = ByteArray(2000) { (id + it).toByte() }
            for (id in 0 until 100) sending.putPiece(id.toLong(), ProcessIdentity.self(), 2000, 0, message(id), 0, 1000) shouldBe QueueRing.PUT
            for (id in 0 until 100) sending.putPiece(id.toLong(), ProcessIdentity.self(), 2000, 1000, message(id), 1000, 1000) shouldBe QueueRing.PUT
            withTimeout(30.seconds) {
                for (id in 0 until 100) receiver.receiveBytes().contentEquals(message(id)) shouldBe true
            }
        }
    }

    test("a record whose length word is not one (a crafted piece) is a corrupted stream") {
        handMadePipe { sending, receiver, _, _ ->
            sending.put(ByteArray(16), 0, 16) shouldBe QueueRing.PUT
            // The record's length word, just after the ring's 4 KiB header: a piece too short for its own head.
            sending.memory().buffer().putInt(4096, Int.MIN_VALUE or 5)
            shouldThrow<CorruptedStreamException> { withTimeout(10.seconds) { receiver.receiveBytes() } }
        }
    }

    test("pieces out of their place are a corrupted stream") {
        for (misplaced in listOf(
            { ring: QueueRing -> ring.putPiece(9L, ProcessIdentity.self(), 3000, 1000, ByteArray(1000), 0, 1000) },
            { ring: QueueRing ->
                ring.putPiece(9L, ProcessIdentity.self(), 3000, 0, ByteArray(1000), 0, 1000)
                ring.putPiece(9L, ProcessIdentity.self(), 3000, 0, ByteArray(1000), 0, 1000)
            },
            { ring: QueueRing ->
                ring.putPiece(9L, ProcessIdentity.self(), 3000, 0, ByteArray(1000), 0, 1000)
                ring.putPiece(9L, ProcessIdentity.self(), 3000, 1000, ByteArray(2500), 0, 2500)
            },
        )) {
            handMadePipe { sending, receiver, _, _ ->
                misplaced(sending)
                shouldThrow<CorruptedStreamException> { withTimeout(10.seconds) { receiver.receiveBytes() } }
            }
        }
    }

    test("a message through a ringed pipe's socket, which carries only doorbells, is a corrupted stream") {
        handMadePipe { _, receiver, _, senderSocket ->
            val frame = RawFrames.frame(Frame.MESSAGE, byteArrayOf(1, 2, 3))
            senderSocket.send(frame, 0, frame.size) shouldBe frame.size
            shouldThrow<CorruptedStreamException> { withTimeout(10.seconds) { receiver.receiveBytes() } }.message shouldContain "only doorbells"
        }
    }
})

/**
 * A one-way pipe built as [Pipe] builds one, with the sending side's ring given to [block] too, to put pieces
 * in by hand as a sender process would.
 */
private suspend fun handMadePipe(block: suspend (sending: QueueRing, receiver: Connection<String>, sender: Connection<String>, senderSocket: UnixSocket) -> Unit) {
    val (first, second) = UnixSocket.pair(0)
    val ring = QueueRing.create(Long.MAX_VALUE, PipeRings.RING_BYTES, "pipe")
    val outbox = QueueRing.open(SharedMemory.adopt(ring.memory().duplicate()))
    val receiver = Connection.open(first, String.serializer(), canSend = false, canReceive = true, maxMessageBytes = 1 shl 20, PipeRings(ring, null))
    val sender = Connection.open(second, String.serializer(), canSend = true, canReceive = false, maxMessageBytes = 1 shl 20, PipeRings(null, outbox))
    receiver.use { sender.use { block(outbox, receiver, sender, second) } }
}
