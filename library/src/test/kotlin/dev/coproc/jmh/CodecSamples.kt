package dev.coproc.jmh

import dev.coproc.Square
import dev.coproc.TaskCodec
import dev.coproc.internal.codec.FromWorker
import dev.coproc.internal.codec.ToWorker
import dev.coproc.internal.codec.WireCodec

/**
 * The codec's hot path as the JMH benchmarks call it: a task encoded into the message that carries it to a
 * worker, and a result message decoded. Kotlin, so that it reaches the module's internal codec; the benchmarks
 * themselves are Java, for JMH's annotation processor.
 */
object CodecSamples {
    /** What a pool does per `apply`: the task, then the `Run` message around it. */
    @JvmStatic
    fun encodeRun(id: Long, x: Int): ByteArray {
        val task = TaskCodec.encode(Square(x))
        return WireCodec.encode(ToWorker.Run(id, "bench", task.typeName, task.bytes, exitAfter = false))
    }

    /** A worker's reply to one task, as bytes: what [decodeReply] reads. */
    @JvmStatic
    fun reply(id: Long, x: Int): ByteArray =
        WireCodec.encode(FromWorker.Succeeded(id, WireCodec.encode(kotlinx.serialization.serializer<Int>(), x * x)))

    /** What the parent does per reply: the message, then the result in it. */
    @JvmStatic
    fun decodeReply(bytes: ByteArray): Int {
        val message = WireCodec.decodeFromWorker(bytes) as FromWorker.Succeeded
        return WireCodec.decode(kotlinx.serialization.serializer<Int>(), message.result)
    }
}
