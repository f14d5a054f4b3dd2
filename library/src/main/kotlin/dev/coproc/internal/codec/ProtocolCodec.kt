package dev.coproc.internal.codec

import dev.coproc.internal.wire.WireBuffer
import dev.coproc.internal.wire.WireBuffer.sizedBytes
import dev.coproc.internal.wire.readWhole
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
            WireBuffer.allocate(1 + 8 + sizedBytes(name) + sizedBytes(type) + sizedBytes(message.task) + 2)
                .put(RUN).putLong(message.id).putSized(name).putSized(type).putSized(message.task)
                .put(flag(message.exitAfter)).put(flag(message.keepHandles)).array()
        }
        is ToWorker.Map -> {
            val name = message.processName.encodeToByteArray()
            val type = message.functionType.encodeToByteArray()
            WireBuffer.allocate(1 + 8 + sizedBytes(name) + sizedBytes(type) + sizedBytes(message.function) + sizedBytes(message.items))
                .put(MAP).putLong(message.id).putSized(name).putSized(type).putSized(message.function).putSized(message.items).array()
        }
        is ToWorker.RunTasks -> {
            val name = message.processName.encodeToByteArray()
            val type = message.taskType.encodeToByteArray()
            WireBuffer.allocate(1 + 8 + sizedBytes(name) + sizedBytes(type) + sizedBytes(message.tasks))
                .put(TASKS).putLong(message.id).putSized(name).putSized(type).putSized(message.tasks).array()
        }
        is ToWorker.Cancel -> WireBuffer.allocate(1 + 8).put(CANCEL).putLong(message.id).array()
        ToWorker.Shutdown -> byteArrayOf(SHUTDOWN)
    }

    fun encode(message: FromWorker): ByteArray = when (message) {
        is FromWorker.Started -> WireBuffer.allocate(1 + 8).put(STARTED).putLong(message.id).array()
        is FromWorker.Succeeded -> WireBuffer.allocate(1 + 8 + sizedBytes(message.result)).put(SUCCEEDED).putLong(message.id).putSized(message.result).array()
        is FromWorker.Failed -> {
            val error = WireCodec.encode(remoteError, message.error)
            WireBuffer.allocate(1 + 8 + sizedBytes(error)).put(FAILED).putLong(message.id).putSized(error).array()
        }
        is FromWorker.Cancelled -> WireBuffer.allocate(1 + 8).put(CANCELLED).putLong(message.id).array()
    }

    fun decodeToWorker(bytes: ByteArray): ToWorker = reading(bytes, "a command") { input ->
        when (val kind = input.get()) {
            RUN -> ToWorker.Run(input.getLong(), text(input), text(input), input.getSized(), flag(input), flag(input))
            MAP -> ToWorker.Map(input.getLong(), text(input), text(input), input.getSized(), input.getSized())
            TASKS -> ToWorker.RunTasks(input.getLong(), text(input), text(input), input.getSized())
            CANCEL -> ToWorker.Cancel(input.getLong())
            SHUTDOWN -> ToWorker.Shutdown
            else -> throw SerializationException("a command of unknown kind $kind")
        }
    }

    fun decodeFromWorker(bytes: ByteArray): FromWorker = reading(bytes, "a reply") { input ->
        when (val kind = input.get()) {
            STARTED -> FromWorker.Started(input.getLong())
            SUCCEEDED -> FromWorker.Succeeded(input.getLong(), input.getSized())
            FAILED -> FromWorker.Failed(input.getLong(), WireCodec.decode(remoteError, input.getSized()))
            CANCELLED -> FromWorker.Cancelled(input.getLong())
            else -> throw SerializationException("a reply of unknown kind $kind")
        }
    }

    /** Reads a whole message with [read]; whatever does not read as one fails as a [SerializationException]. */
    private inline fun <T> reading(bytes: ByteArray, what: String, read: (WireBuffer) -> T): T =
        readWhole(bytes, what, ::SerializationException, read)

    private fun text(input: WireBuffer): String = MessageCodec.strictUtf8(input.getSized())

    private fun flag(value: Boolean): Byte = if (value) 1 else 0

    private fun flag(input: WireBuffer): Boolean = when (val value = input.get().toInt()) {
        0 -> false
        1 -> true
        else -> throw SerializationException("$value where a Boolean (0 or 1) belongs")
    }
}
