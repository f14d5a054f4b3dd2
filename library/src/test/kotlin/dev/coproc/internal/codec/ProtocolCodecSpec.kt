package dev.coproc.internal.codec

import dev.coproc.internal.wire.BigEndian
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlinx.serialization.SerializationException

class ProtocolCodecSpec : FunSpec({
    val payload = ByteArray(70_000) { (it * 31).toByte() }
    val commands = listOf(
        ToWorker.Run(Long.MIN_VALUE, "Process-1 été 𝄞", "dev.coproc.Square", payload, exitAfter = true, keepHandles = false),
        ToWorker.Run(0, "", "", ByteArray(0), exitAfter = false, keepHandles = true),
        ToWorker.Map(Long.MAX_VALUE, "PoolWorker-2", "dev.coproc.demo.Increment", byteArrayOf(1, 2), payload),
        ToWorker.RunTasks(42, "PoolWorker-3", "dev.coproc.Square", payload),
        ToWorker.Cancel(-1),
        ToWorker.Shutdown,
    )
    val replies = listOf(
        FromWorker.Started(7),
        FromWorker.Succeeded(8, payload),
        FromWorker.Succeeded(9, ByteArray(0)),
        FromWorker.Failed(10, RemoteError.of(IllegalStateException("bad ☃", RuntimeException("cause")))),
        FromWorker.Cancelled(11),
    )

    /** Every field, compared by value: the message classes are not data classes (they carry arrays). */
    fun fields(message: Any): List<Any?> = when (message) {
        is ToWorker.Run -> listOf("run", message.id, message.processName, message.taskType, message.task.toList(), message.exitAfter, message.keepHandles)
        is ToWorker.Map -> listOf("map", message.id, message.processName, message.functionType, message.function.toList(), message.items.toList())
        is ToWorker.RunTasks -> listOf("tasks", message.id, message.processName, message.taskType, message.tasks.toList())
        is ToWorker.Cancel -> listOf("cancel", message.id)
        ToWorker.Shutdown -> listOf("shutdown")
        is FromWorker.Started -> listOf("started", message.id)
        is FromWorker.Succeeded -> listOf("ok", message.id, message.result.toList())
        is FromWorker.Failed -> listOf("failed", message.id, message.error.className, message.error.message, message.error.cause?.message,
            message.error.stackTrace.size)
        is FromWorker.Cancelled -> listOf("cancelled", message.id)
        else -> error("not a message: $message")
    }

    test("every command and reply round-trips, extremes, empty fields and non-ASCII names included") {
        for (command in commands) fields(ProtocolCodec.decodeToWorker(ProtocolCodec.encode(command))) shouldBe fields(command)
        for (reply in replies) fields(ProtocolCodec.decodeFromWorker(ProtocolCodec.encode(reply))) shouldBe fields(reply)
    }

    test("a message cut short anywhere, or with a byte more, is refused, never misread") {
        for (message in commands + replies) {
            val bytes = if (message is ToWorker) ProtocolCodec.encode(message) else ProtocolCodec.encode(message as FromWorker)
            val decode: (ByteArray) -> Any = if (message is ToWorker) ProtocolCodec::decodeToWorker else ProtocolCodec::decodeFromWorker
            // Every cut of the small messages; for the large ones, the cuts around each field.
            val cuts = if (bytes.size < 200) (0 until bytes.size).toList() else (0 until 120).toList() + (bytes.size - 80 until bytes.size)
            for (cut in cuts) shouldThrow<SerializationException> { decode(bytes.copyOf(cut)) }
            shouldThrow<SerializationException> { decode(bytes + 0) }.message shouldContain "1 bytes past its last field"
        }
    }

    test("an unknown kind, a negative or oversized length, a Boolean other than 0 or 1 and invalid UTF-8 are refused") {
        shouldThrow<SerializationException> { ProtocolCodec.decodeToWorker(byteArrayOf(99)) }.message shouldContain "unknown kind 99"
        shouldThrow<SerializationException> { ProtocolCodec.decodeFromWorker(byteArrayOf(0)) }.message shouldContain "unknown kind 0"
        val succeeded = ProtocolCodec.encode(FromWorker.Succeeded(1, ByteArray(4)))
        for (length in listOf(-1, Int.MIN_VALUE, 5, Int.MAX_VALUE)) {
            val bad = succeeded.copyOf().also { BigEndian.putInt(it, 9, length) }
            shouldThrow<SerializationException> { ProtocolCodec.decodeFromWorker(bad) }
        }
        val run = ProtocolCodec.encode(ToWorker.Run(1, "a", "b", ByteArray(0), exitAfter = false))
        shouldThrow<SerializationException> { ProtocolCodec.decodeToWorker(run.copyOf().also { it[it.size - 1] = 2 }) }.message shouldContain "Boolean"
        // A failure whose RemoteError is not CBOR at all.
        val failed = ProtocolCodec.encode(FromWorker.Failed(1, RemoteError("E", "m", emptyList())))
        shouldThrow<SerializationException> { ProtocolCodec.decodeFromWorker(failed.copyOf().also { it.fill(0x7f, 13) }) }
        // The process name "a" is at 1 + 8 + 4: a lone continuation byte there is not UTF-8.
        shouldThrow<SerializationException> { ProtocolCodec.decodeToWorker(run.copyOf().also { it[13] = 0x80.toByte() }) }
    }
})
