package dev.coproc.internal.codec

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerializationException
import kotlinx.serialization.builtins.nullable
import kotlinx.serialization.builtins.serializer

@Suppress("UNCHECKED_CAST")
class ChunkCodecSpec : FunSpec({
    val ints = ChunkCodec.of(Int.serializer() as KSerializer<Any?>)
    val nullableInts = ChunkCodec.of(Int.serializer().nullable as KSerializer<Any?>)
    val longs = ChunkCodec.of(Long.serializer() as KSerializer<Any?>)

    test("a progression's chunks are progressions and encode to their values") {
        val range = IntProgressionList(100 downTo -100 step 7)
        range shouldBe (100 downTo -100 step 7).toList()
        val chunk = range.subList(3, 9)
        chunk.shouldBeInstanceOf<IntProgressionList>()
        ints.decode(ints.encode(chunk)) shouldBe (100 downTo -100 step 7).toList().subList(3, 9)
        val big = LongProgressionList(Long.MAX_VALUE - 10..Long.MAX_VALUE)
        longs.decode(longs.encode(big.subList(5, 11))) shouldBe (Long.MAX_VALUE - 5..Long.MAX_VALUE).toList()
        shouldThrow<IndexOutOfBoundsException> { range.subList(0, range.size + 1) }
    }

    test("packed chunks decode unboxed, and the collector keeps them in one array") {
        val decoded = ints.decode(ints.encode(listOf(1, 2, 3)))
        decoded.shouldBeInstanceOf<PackedInts>()
        val collector = ResultCollector(5)
        collector.add(decoded)
        collector.add(ints.decode(ints.encode(listOf(4, 5))))
        collector.result().shouldBeInstanceOf<PackedInts>() shouldBe listOf(1, 2, 3, 4, 5)
    }

    test("a chunk holding a null goes generic, and the collector falls back to boxes in order") {
        val packed = nullableInts.decode(nullableInts.encode(listOf(1, 2)))
        val generic = nullableInts.decode(nullableInts.encode(listOf(3, null)))
        generic shouldBe listOf(3, null)
        val collector = ResultCollector(6)
        listOf(packed, generic, nullableInts.decode(nullableInts.encode(listOf(5, 6)))).forEach(collector::add)
        collector.result() shouldBe listOf(1, 2, 3, null, 5, 6)
    }

    test("a packed chunk that is cut short fails as a serialization error") {
        val bytes = ints.encode(listOf(1, 2, 3))
        val error = shouldThrow<SerializationException> { ints.decode(bytes.copyOf(bytes.size - 2)) }
        error.message shouldContain "chunk"
    }
})
