package dev.coproc.internal.codec

import dev.coproc.internal.wire.BigEndian
import kotlinx.serialization.SerializationException

/**
 * The worker protocol's messages ([ToWorker], [FromWorker]) in a fixed binary layout: a kind byte, then each
 * field in declaration order (a Long in 8 bytes, a Boolean in 1, a String or ByteArray as a 4-byte length and
 * its bytes). Every task and reply crosses it twice, and the general CBOR path cost 0.5-1 µs of each, on both
 * sides; this is a copy of the payloads and no more. A failure's [RemoteError] stays CBOR, inside: it is rare,
 * nested and bounded elsewhere.
 *
 * Decoding is strict: an unknown kind, a length past the end, bytes left over or text that is not UTF-8 fail
 * with [SerializationException], as a CBOR message that does not decode did.
 */
internal object ProtocolCodec {
    private const val RUN: Byte = 1
    private const val MAP: Byte = 2
    private const val TASKS: Byte = 3
    private const val CANCEL: Byte = 4
    private const val SHUTDOWN: Byte = 5

    private const val STARTED: Byte = 1
    private const val SUCCEEDED: Byte = 2
    private const val FAILED: Byte = 3
    private const val CANCELLED: Byte = 4

    private val remoteError = RemoteError.serializer()

    fun encode(message: ToWorker): ByteArray = when (message) {
        is ToWorker.Run -> {
            val name = message.processName.encodeToByteArray()
            val type = message.taskType.encodeToByteArray()
            Output(1 + 8 + sized(name) + sized(type) + sized(message.task) + 2)
                .kind(RUN).long(message.id).bytes(name).bytes(type).bytes(message.task)
                .boolean(message.exitAfter).boolean(message.keepHandles).done()
        }
        is ToWorker.Map -> {
            val name = message.processName.encodeToByteArray()
            val type = message.functionType.encodeToByteArray()
            Output(1 + 8 + sized(name) + sized(type) + sized(message.function) + sized(message.items))
                .kind(MAP).long(message.id).bytes(name).bytes(type).bytes(message.function).bytes(message.items).done()
        }
        is ToWorker.RunTasks -> {
            val name = message.processName.encodeToByteArray()
            val type = message.taskType.encodeToByteArray()
            Output(1 + 8 + sized(name) + sized(type) + sized(message.tasks))
                .kind(TASKS).long(message.id).bytes(name).bytes(type).bytes(message.tasks).done()
        }
        is ToWorker.Cancel -> Output(1 + 8).kind(CANCEL).long(message.id).done()
        ToWorker.Shutdown -> byteArrayOf(SHUTDOWN)
    }

    fun encode(message: FromWorker): ByteArray = when (message) {
        is FromWorker.Started -> Output(1 + 8).kind(STARTED).long(message.id).done()
        is FromWorker.Succeeded -> Output(1 + 8 + sized(message.result)).kind(SUCCEEDED).long(message.id).bytes(message.result).done()
        is FromWorker.Failed -> {
            val error = WireCodec.encode(remoteError, message.error)
            Output(1 + 8 + sized(error)).kind(FAILED).long(message.id).bytes(error).done()
        }
        is FromWorker.Cancelled -> Output(1 + 8).kind(CANCELLED).long(message.id).done()
    }

    fun decodeToWorker(bytes: ByteArray): ToWorker {
        val input = Input(bytes, "a command")
        val message = when (val kind = input.kind()) {
            RUN -> ToWorker.Run(input.long(), input.text(), input.text(), input.bytes(), input.boolean(), input.boolean())
            MAP -> ToWorker.Map(input.long(), input.text(), input.text(), input.bytes(), input.bytes())
            TASKS -> ToWorker.RunTasks(input.long(), input.text(), input.text(), input.bytes())
            CANCEL -> ToWorker.Cancel(input.long())
            SHUTDOWN -> ToWorker.Shutdown
            else -> throw input.unknown(kind)
        }
        input.end()
        return message
    }

    fun decodeFromWorker(bytes: ByteArray): FromWorker {
        val input = Input(bytes, "a reply")
        val message = when (val kind = input.kind()) {
            STARTED -> FromWorker.Started(input.long())
            SUCCEEDED -> FromWorker.Succeeded(input.long(), input.bytes())
            FAILED -> FromWorker.Failed(input.long(), WireCodec.decode(remoteError, input.bytes()))
            CANCELLED -> FromWorker.Cancelled(input.long())
            else -> throw input.unknown(kind)
        }
        input.end()
        return message
    }

    /** The bytes a String or ByteArray field takes: its length, then its bytes (a String's in UTF-8). */
    private fun sized(value: ByteArray): Int = 4 + value.size

    /** Writes fields into an array of exactly their size. */
    private class Output(size: Int) {
        private val buffer = ByteArray(size)
        private var at = 0

        fun kind(kind: Byte) = apply { buffer[at++] = kind }

        fun long(value: Long) = apply {
            BigEndian.putLong(buffer, at, value)
            at += 8
        }

        fun boolean(value: Boolean) = apply { buffer[at++] = if (value) 1 else 0 }

        fun bytes(value: ByteArray) = apply {
            BigEndian.putInt(buffer, at, value.size)
            value.copyInto(buffer, at + 4)
            at += 4 + value.size
        }

        fun done(): ByteArray = buffer.also { check(at == it.size) { "sized ${it.size} bytes, wrote $at" } }
    }

    /** Reads fields, each checked against the bytes left; [what] names the message in errors. */
    private class Input(private val buffer: ByteArray, private val what: String) {
        private var at = 0

        fun kind(): Byte {
            need(1, "its kind")
            return buffer[at++]
        }

        fun long(): Long {
            need(8, "a Long")
            return BigEndian.getLong(buffer, at).also { at += 8 }
        }

        fun boolean(): Boolean {
            need(1, "a Boolean")
            return when (buffer[at++].toInt()) {
                0 -> false
                1 -> true
                else -> throw SerializationException("$what holds ${buffer[at - 1]} where a Boolean (0 or 1) belongs")
            }
        }

        fun text(): String = MessageCodec.strictUtf8(bytes())

        fun bytes(): ByteArray {
            need(4, "a length")
            val length = BigEndian.getInt(buffer, at)
            at += 4
            if (length < 0) throw SerializationException("$what announces a negative length ($length)")
            need(length, "$length bytes")
            return buffer.copyOfRange(at, at + length).also { at += length }
        }

        fun end() {
            if (at != buffer.size) throw SerializationException("$what has ${buffer.size - at} bytes past its last field")
        }

        fun unknown(kind: Byte) = SerializationException("$what of unknown kind $kind")

        private fun need(count: Int, field: String) {
            if (count > buffer.size - at) throw SerializationException("$what ends before ${field}: ${buffer.size - at} bytes left")
        }
    }
}
