package dev.coproc

import dev.coproc.internal.wire.FrameException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.ByteBuffer

/** A frame header as the worker would write it: length, kind, checksum. */
private fun header(length: Int, kind: Byte, checksum: Int): ByteArray =
    ByteBuffer.allocate(9).putInt(length).put(kind).putInt(checksum).array()

class ProtocolSpec : FunSpec({
    extension(Hygiene)
    timeout = 60_000

    test("a corrupted frame from a worker is a ProtocolException naming it; the worker is killed") {
        val bad = header(4, 2, 0x12345678) + byteArrayOf(1, 2, 3, 4)
        val p = Process(WriteRawReply(bad, exitAfter = false), name = "corrupt").also { it.start() }
        val error = shouldThrow<ProtocolException> { p.await() }
        error.message shouldContain "corrupt (pid ${p.pid})"
        error.message shouldContain "checksum"
        (error.cause as FrameException).reason() shouldBe FrameException.Reason.CORRUPTED
        p.join()
        p.exitCode shouldBe -9
    }

    test("a truncated frame is a ProtocolException") {
        val truncated = header(100, 2, 0) + ByteArray(10)
        val p = Process(WriteRawReply(truncated, exitAfter = true)).also { it.start() }
        val error = shouldThrow<ProtocolException> { p.await() }
        error.message shouldContain "truncated"
        (error.cause as FrameException).reason() shouldBe FrameException.Reason.TRUNCATED
        p.join()
    }

    test("an oversized frame is refused before its payload is read") {
        val oversized = header(1 shl 30, 2, 0)
        val p = Process(WriteRawReply(oversized, exitAfter = false)).also { it.start() }
        val error = shouldThrow<ProtocolException> { p.await() }
        error.message shouldContain "over the limit"
        (error.cause as FrameException).reason() shouldBe FrameException.Reason.OVERSIZED
        p.join()
        p.exitCode shouldBe -9
    }

    test("a frame of an unknown kind is a ProtocolException") {
        val p = Process(WriteRawReply(header(0, 77, 0), exitAfter = false)).also { it.start() }
        shouldThrow<ProtocolException> { p.await() }.message shouldContain "unknown kind"
        p.join()
    }

    test("a valid frame whose message does not decode is a ProtocolException") {
        val garbage = byteArrayOf(0x7f, 0x01, 0x02)
        val crc = java.util.zip.CRC32C().apply { update(2); update(garbage) }.value.toInt()
        val p = Process(WriteRawReply(header(garbage.size, 2, crc) + garbage, exitAfter = false)).also { it.start() }
        shouldThrow<ProtocolException> { p.await() }.message shouldContain "does not decode"
        p.join()
    }

    test("a result over the frame limit fails typed in the caller; nothing hangs") {
        val options = WorkerOptions { maxFrameSize(64 * 1024) }
        val p = Process(Bytes(200_000), options = options).also { it.start() }
        val error = shouldThrow<RemoteTaskException> { p.await() }
        error.remoteClassName shouldBe FrameException::class.java.name
        error.message shouldContain "over the limit"
        p.join()
    }

    test("results of several MiB cross the pipe intact") {
        val p = Process(Bytes(5 shl 20)).also { it.start() }
        val bytes = p.await()
        bytes.size shouldBe (5 shl 20)
        bytes.withIndex().all { (i, b) -> b == (i % 251).toByte() } shouldBe true
        p.join()
    }

    test("the caller's JVM goes on: a new process works after a protocol error") {
        val bad = header(4, 2, 0) + byteArrayOf(1, 2, 3, 4)
        val broken = Process(WriteRawReply(bad, exitAfter = false)).also { it.start() }
        shouldThrow<ProtocolException> { broken.await() }
        broken.join()
        val p = Process(Square(9)).also { it.start() }
        p.await() shouldBe 81
        p.join()
    }
})

class EncodingSpec : FunSpec({
    extension(Hygiene)
    timeout = 60_000

    test("a task class that is not @Serializable fails in start(), before any process starts") {
        val p = Process(NotSerializable())
        val error = shouldThrow<TaskEncodingException> { p.start() }
        error.message shouldContain NotSerializable::class.java.name
        error.message shouldContain "@Serializable"
        p.pid shouldBe null
        Hygiene.children() shouldBe emptyList()
    }

    test("a result type that is not serializable fails in start()") {
        val error = shouldThrow<TaskEncodingException> { Process(ReturnsThread()).start() }
        error.message shouldContain "java.lang.Thread"
    }

    test("a task over the frame limit fails in start()") {
        val options = WorkerOptions { maxFrameSize(64 * 1024) }
        val error = shouldThrow<TaskEncodingException> { Process(Echo(ByteArray(100_000)), options = options).start() }
        error.message shouldContain "over maxFrameSize"
    }

    test("a task of several MiB reaches the child whole") {
        val p = Process(Echo(ByteArray(3 shl 20))).also { it.start() }
        p.await() shouldBe (3 shl 20)
        p.join()
    }

    test("a Process with neither target nor overridden run() is refused") {
        shouldThrow<IllegalStateException> { Process<Int>().start() }.message shouldContain "target"
    }
})
