package dev.coproc

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import java.io.IOException
import java.io.RandomAccessFile
import java.nio.ByteBuffer
import java.nio.ReadOnlyBufferException
import java.nio.channels.FileChannel
import java.nio.file.Files
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.withTimeout

class ReadOnlyDataSpec : FunSpec({
    extension(Hygiene)
    timeout = 180_000

    test("every kind of read-only data reads the same in a child; a file is mapped, not copied") {
        val file = Files.createTempFile("coproc-readonly", ".txt")
        try {
            Files.writeString(file, "from a file")
            ReadOnlyBytes("hello".encodeToByteArray()).use { bytes ->
                ReadOnlyIntArray(intArrayOf(1, -2, Int.MAX_VALUE)).use { ints ->
                    ReadOnlyDoubleArray(3) { it * 0.5 }.use { doubles ->
                        ReadOnlyBytes.mapFile(file).use { mapped ->
                            ints.size shouldBe 3
                            ints[2] shouldBe Int.MAX_VALUE
                            mapped.byteSize shouldBe 11
                            val child = Process(ReadAllKinds(bytes, ints, doubles, mapped)).also { it.start() }
                            child.await() shouldBe listOf("hello", "[1, -2, 2147483647]", "[0.0, 0.5, 1.0]", "from a file")
                            child.join()
                        }
                    }
                }
            }
            ReadOnlyBytes(ByteArray(0)).use { it.size shouldBe 0 }
        } finally {
            Files.delete(file)
        }
    }

    test("nobody can write it: the views refuse, and the kernel refuses a write or a writable mapping") {
        ReadOnlyLongArray(1000) { it.toLong() }.use { data ->
            shouldThrow<ReadOnlyBufferException> { data.buffer().putLong(0, 1) }
            shouldThrow<ReadOnlyBufferException> { data.longs().put(0, 1) }
            val fd = data.memory.duplicate()
            try {
                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(java.nio.file.Path.of("/proc/self/fd/$fd"))) shouldBe "rw-------"
                RandomAccessFile("/proc/self/fd/$fd", "rw").use { file ->
                    shouldThrow<IOException> { file.channel.write(ByteBuffer.wrap(byteArrayOf(1)), 4096) }
                    shouldThrow<IOException> { file.channel.map(FileChannel.MapMode.READ_WRITE, 0, 4096) }
                }
            } finally {
                dev.coproc.internal.os.LibC.get().close(fd)
            }
            val child = Process(SumReadOnly(data)).also { it.start() }
            child.await() shouldBe ((0 until 1000L).sum() to true)
            child.join()
            data[999] shouldBe 999L
        }
    }

    test("a pool initializer receives the data once; every task of the worker reads the same pages") {
        ReadOnlyIntArray(10_000) { it * 7 }.use { table ->
            val results = processPool(PoolOptions.builder().workers(2).initializer(LoadTable(table)).build()) {
                map((0 until 40).map { LookUp(it * 250) })
            }
            results.map { it.second } shouldBe (0 until 40).map { it * 250 * 7 }
            results.map { it.first }.toSet().size shouldBeLessThan 3
        }
    }

    test("two workers reading 512 MiB raise the machine's used memory by about one copy, not three") {
        val count = 64 * 1024 * 1024 // longs: 512 MiB
        val before = usedMemoryBytes()
        ReadOnlyLongArray(count) { it.toLong() }.use { data ->
            Event().use { release ->
                val done = List(2) { Event() }
                val readers = done.map { Process(SumAndHold(data, it, release)).also { p -> p.start() } }
                try {
                    withTimeout(120.seconds) { done.forEach { it.wait() } }
                    val grown = usedMemoryBytes() - before
                    println("512 MiB read by two workers: used memory grew by ${grown shr 20} MiB")
                    // One copy is 512 MiB, plus two small worker JVMs; a copy per process would be 1.5 GiB or more.
                    grown shouldBeLessThan (512L shl 20) * 14 / 10
                    release.set()
                    readers.map { it.await() } shouldBe List(2) { count.toLong() * (count - 1) / 2 }
                    readers.forEach { it.join() }
                } finally {
                    release.set()
                    done.forEach { it.close() }
                }
            }
        }
    }
})

/** The machine's used memory: total minus available, from /proc/meminfo. */
private fun usedMemoryBytes(): Long {
    val info = Files.readAllLines(java.nio.file.Path.of("/proc/meminfo")).associate { line ->
        line.substringBefore(':') to line.substringAfter(':').trim().substringBefore(' ').toLong() * 1024
    }
    return info.getValue("MemTotal") - info.getValue("MemAvailable")
}
