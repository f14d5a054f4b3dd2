package dev.coproc.internal.codec

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.serialization.SerializationException
import kotlinx.serialization.serializer

class MessageCodecSpec : FunSpec({
    test("plain encodings of Long, Int, Double and String round-trip, extremes and non-ASCII included") {
        val longs = MessageCodec(serializer<Long>())
        listOf(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0x0102030405060708L).forEach { longs.decode(longs.encode(it)) shouldBe it }
        longs.encode(0x0102030405060708L).toList() shouldBe listOf<Byte>(1, 2, 3, 4, 5, 6, 7, 8)
        val ints = MessageCodec(serializer<Int>())
        listOf(0, -1, Int.MIN_VALUE, Int.MAX_VALUE).forEach { ints.decode(ints.encode(it)) shouldBe it }
        val doubles = MessageCodec(serializer<Double>())
        listOf(0.0, -2.5, Double.NaN, Double.MAX_VALUE).forEach { doubles.decode(doubles.encode(it)).toRawBits() shouldBe it.toRawBits() }
        val strings = MessageCodec(serializer<String>())
        listOf("", "plain", "été ☃ 𝄞", "a real \uFFFD replacement").forEach { strings.decode(strings.encode(it)) shouldBe it }
    }

    test("bad input is refused: invalid UTF-8, a wrong size") {
        shouldThrow<Exception> { MessageCodec(serializer<String>()).decode(byteArrayOf(0x61, 0xC3.toByte(), 0x28)) }
        shouldThrow<SerializationException> { MessageCodec(serializer<Int>()).decode(ByteArray(3)) }
    }
})
