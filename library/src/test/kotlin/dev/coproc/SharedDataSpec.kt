package dev.coproc

import dev.coproc.internal.codec.WireCodec
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldNotBeEmpty
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlinx.serialization.SerializationException

class SharedDataSpec : FunSpec({
    extension(Hygiene)
    timeout = 90_000

    test("the seeds' Value('d') and Array('i', range(10)), modified by a child, read by the parent") {
        SharedDouble(0.0).use { number ->
            SharedIntArray(IntArray(10) { it }).use { array ->
                array.toIntArray().toList() shouldBe (0..9).toList()
                Process(ModifyShared(number, array)).also { it.start() }.run { await(); join() }
                number.value shouldBe 3.14
                array.toIntArray().toList() shouldBe listOf(0, 9999, 2, 3, 4, 5, 6, 7, 8, 9)
            }
        }
    }

    test("atomic increments from two processes and from pool tasks lose no update") {
        SharedLong().use { counter ->
            val children = (1..2).map { Process(IncrementAtomically(counter, 100_000)).also { it.start() } }
            children.forEach { it.await(); it.join() }
            counter.value shouldBe 200_000
            processPool(workers = 2) {
                map((1..6).map { IncrementAtomically(counter, 10_000) })
            }
            counter.value shouldBe 260_000
        }
    }

    test("a value's withLock guards a compound update across processes") {
        SharedInt().use { counter ->
            val children = (1..3).map { Process(IncrementUnderValueLock(counter, 3_000)).also { it.start() } }
            children.forEach { it.await(); it.join() }
            counter.value shouldBe 9_000
        }
    }

    test("values: get, set and the atomic operations of each type") {
        SharedInt(5).use { v ->
            v.getAndAdd(3) shouldBe 5
            v.addAndGet(2) shouldBe 10
            v.incrementAndGet() shouldBe 11
            v.decrementAndGet() shouldBe 10
            v.compareAndSet(9, 0) shouldBe false
            v.compareAndSet(10, 1) shouldBe true
            v.getAndSet(7) shouldBe 1
            v.update { it * 6 } shouldBe 42
            v.withLock { v.value + 1 } shouldBe 43
        }
        SharedLong(Long.MAX_VALUE - 1).use { v ->
            v.incrementAndGet() shouldBe Long.MAX_VALUE
        }
        SharedDouble(1.5).use { v ->
            v.addAndGet(2.25) shouldBe 3.75
            v.compareAndSet(3.75, Double.NaN) shouldBe true
            v.compareAndSet(Double.NaN, 0.0) shouldBe true // bit patterns: NaN matches NaN
            v.compareAndSet(-0.0, 1.0) shouldBe false
        }
        SharedBoolean().use { v ->
            v.compareAndSet(false, true) shouldBe true
            v.value shouldBe true
            v.getAndSet(false) shouldBe true
        }
        SharedByte(127).use { v ->
            v.getAndAdd(1) shouldBe 127.toByte()
            v.value shouldBe (-128).toByte()
        }
    }

    test("shared strings and bytes: capacity enforced with a clear error, unicode kept, compare-and-set") {
        SharedString(8, "héllo").use { text ->
            text.value shouldBe "héllo"
            shouldThrow<IllegalArgumentException> { text.value = "far too long" }.message shouldContain "do not fit in a shared value of 8 bytes"
            text.value shouldBe "héllo"
            text.compareAndSet("nope", "x") shouldBe false
            text.compareAndSet("héllo", "wörld") shouldBe true
            text.value shouldBe "wörld"
        }
        SharedBytes(4, byteArrayOf(1, 2)).use { bytes ->
            bytes.value.toList() shouldBe listOf<Byte>(1, 2)
            bytes.value = byteArrayOf(9, 8, 7, 6)
            bytes.value.toList() shouldBe listOf<Byte>(9, 8, 7, 6)
        }
    }

    test("arrays: indexing, slices, copies in and out, fill, element atomics, and typed out-of-bounds errors") {
        SharedLongArray(longArrayOf(1, 2, 3, 4)).use { a ->
            a.size shouldBe 4
            a.slice(1..2).toList() shouldBe listOf(2L, 3L)
            a.copyOfRange(2).toList() shouldBe listOf(3L, 4L)
            a.getAndAdd(0, 10) shouldBe 1
            a.incrementAndGet(3) shouldBe 5
            a.compareAndSet(1, 2, 20) shouldBe true
            a.update(2) { it * 100 } shouldBe 300
            a.toLongArray().toList() shouldBe listOf(11L, 20L, 300L, 5L)
            a.copyFrom(longArrayOf(7, 7), at = 2)
            a.toLongArray().toList() shouldBe listOf(11L, 20L, 7L, 7L)
            a.fill(0)
            a.toLongArray().sum() shouldBe 0
            shouldThrow<IndexOutOfBoundsException> { a[4] }.message shouldContain "index 4 out of bounds for a shared array of size 4"
            shouldThrow<IndexOutOfBoundsException> { a.copyFrom(LongArray(3), at = 2) }
        }
        SharedDoubleArray(3).use { a ->
            a[1] = 0.5
            a.addAndGet(1, 0.25) shouldBe 0.75
            a.toDoubleArray().toList() shouldBe listOf(0.0, 0.75, 0.0)
        }
        SharedByteArray(byteArrayOf(1, 2, 3)).use { a ->
            a[1] = -1
            a.toByteArray().toList() shouldBe listOf<Byte>(1, -1, 3)
            a.compareAndSet(2, 3, 4) shouldBe true
            a[2] shouldBe 4.toByte()
        }
    }

    test("byte elements sharing one word, updated by two processes at once, lose nothing") {
        SharedByteArray(8).use { bytes ->
            val children = listOf(listOf(0, 1, 2, 3), listOf(0, 1, 2, 3)).map { Process(BumpBytes(bytes, it, 1_000)).also { p -> p.start() } }
            children.forEach { it.await(); it.join() }
            bytes.toByteArray().toList() shouldBe List(4) { 2_000.toByte() } + List(4) { 0.toByte() }
        }
    }

    test("a handle decoded as the wrong kind fails with a clear error; a closed handle refuses calls and ends its waits") {
        val counter = SharedInt(1)
        val bytes = WireCodec.encode(SharedIntSerializer, counter)
        shouldThrow<SerializationException> { WireCodec.decode(SharedLongSerializer, bytes) }.message shouldContain "not one"
        counter.close()
        counter.close()
        shouldThrow<IllegalStateException> { counter.withLock { } }
        val lock = Lock()
        lock.close()
        shouldThrow<IllegalStateException> { lock.tryAcquire() }.message shouldContain "closed"
        Event().use { event ->
            coroutineScope {
                val waiting = async(start = CoroutineStart.UNDISPATCHED) { runCatching { event.wait() } }
                withTimeout(30.seconds) { while (event.segment.getInt(Event.BELL + 4) == 0) yield() } // it sleeps
                event.close()
                withTimeout(10.seconds) { waiting.await() }.exceptionOrNull()!!.message shouldContain "closed"
            }
        }
    }

    test("shared memory is owner-only (0600) and has no name in /dev/shm") {
        val before = Hygiene.devShm()
        SharedLongArray(10).use {
            val memfds = Hygiene.openFds().filterValues { it.startsWith("/memfd:coproc-long-array") }
            memfds.size shouldBe 1
            val fd = Path.of("/proc/self/fd", memfds.keys.single().toString())
            java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(fd)) shouldBe "rw-------"
            Hygiene.devShm() shouldBe before
        }
    }

    test("a handle dropped without close() gives its descriptor back once garbage collected") {
        val before = Hygiene.openFdCount()
        fun forget() {
            SharedIntArray(1000)[0] = 1
        }
        forget()
        withTimeout(30.seconds) {
            while (Hygiene.openFdCount() > before) {
                System.gc()
                kotlinx.coroutines.yield()
            }
        }
    }

    test("after the creating JVM is killed by SIGKILL, no process holds its shared memory and /dev/shm has nothing of it") {
        val shmBefore = Hygiene.devShm()
        val (reports, reporter) = Pipe<List<String>>(duplex = false)
        val creator = Process(CreateSharedAndHang(reporter))
        try {
            creator.start()
            reporter.close()
            val inodes = withTimeout(30.seconds) { reports.receive() }
            inodes.size shouldBe 5 // a lock, a value, an array, a barrier, read-only data
            holdersOf(inodes).shouldNotBeEmpty()
            creator.kill()
            creator.join()
            // Nothing else holds the memory: the kernel freed it with the process.
            holdersOf(inodes).shouldBeEmpty()
            Hygiene.devShm() shouldBe shmBefore
        } finally {
            reports.close()
            if (creator.isAlive) {
                creator.kill()
                creator.join()
            }
        }
    }
})

/** Our processes holding a descriptor on one of [inodes] of memfd memory. */
private fun holdersOf(inodes: List<String>): List<String> {
    val uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid")
    return Files.list(Path.of("/proc")).use { procs ->
        procs.toList().filter { it.fileName.toString().all(Char::isDigit) }.flatMap { proc ->
            if (runCatching { Files.getAttribute(proc, "unix:uid") }.getOrNull() != uid) return@flatMap emptyList()
            runCatching {
                Files.list(proc.resolve("fd")).use { fds ->
                    fds.toList().filter { fd ->
                        val target = runCatching { Files.readSymbolicLink(fd).toString() }.getOrDefault("")
                        target.startsWith("/memfd:coproc-") && runCatching { Files.getAttribute(fd, "unix:ino").toString() }.getOrNull() in inodes
                    }.map { it.toString() }
                }
            }.getOrDefault(emptyList())
        }
    }
}
