package dev.coproc

import dev.coproc.os.Signals
import dev.coproc.internal.shm.QueueRing
import dev.coproc.internal.shm.QueueRingFaults
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.builtins.serializer

class QueueSpec : FunSpec({
    extension(Hygiene)
    timeout = 90_000

    test("first in, first out; size, isEmpty, isFull; the non-waiting calls give typed results") {
        val queue = Queue<String>(capacity = 2)
        try {
            queue.isEmpty shouldBe true
            queue.tryGet() shouldBe null
            shouldThrow<QueueEmptyException> { queue.getNowait() }
            queue.put("a")
            queue.tryPut("b") shouldBe true
            queue.size shouldBe 2
            queue.isFull shouldBe true
            queue.tryPut("c") shouldBe false
            shouldThrow<QueueFullException> { queue.putNowait("c") }.message shouldContain "capacity 2"
            queue.get() shouldBe "a"
            queue.getNowait() shouldBe "b"
            queue.isEmpty shouldBe true
        } finally {
            queue.close()
        }
    }

    test("a bounded queue makes put wait for room, and both calls time out with typed errors") {
        val queue = Queue<Int>(capacity = 3)
        try {
            repeat(3) { queue.put(it) }
            shouldThrow<QueueFullException> { queue.put(99, timeout = 50.milliseconds) }
            coroutineScope {
                val waiting = async(start = CoroutineStart.UNDISPATCHED) { queue.put(3) }
                waiting.isActive shouldBe true // no room: it waits
                queue.get() shouldBe 0
                withTimeout(10.seconds) { waiting.await() }
            }
            (1..3).map { queue.get() } shouldBe listOf(1, 2, 3)
            shouldThrow<QueueEmptyException> { queue.get(timeout = 50.milliseconds) }
        } finally {
            queue.close()
        }
    }

    test("a zero timeout takes what is there now: room for a put, an item for a get, else the typed error at once") {
        val queue = Queue<Int>(capacity = 1)
        try {
            queue.put(7, timeout = Duration.ZERO)
            shouldThrow<QueueFullException> { queue.put(8, timeout = Duration.ZERO) }
            queue.get(timeout = Duration.ZERO) shouldBe 7
            shouldThrow<QueueEmptyException> { queue.get(timeout = Duration.ZERO) }
        } finally {
            queue.close()
        }
    }

    test("closing lets consumers drain what is left, then their flow completes; puts fail") {
        val queue = Queue<Int>()
        try {
            coroutineScope {
                val consumer = async { queue.asFlow().toList() }
                for (i in 1..1000) queue.put(i)
                queue.shutdown()
                shouldThrow<QueueShutdownException> { queue.put(1001) }
                shouldThrow<QueueShutdownException> { queue.tryPut(1001) }
                consumer.await() shouldBe (1..1000).toList()
            }
            shouldThrow<QueueShutdownException> { queue.get() }
        } finally {
            queue.close()
        }
    }

    test("three producer processes and two consumer processes: every item once, each producer's in order") {
        val queue = Queue<Long>(capacity = 50)
        try {
            val producers = (0 until 3).map { Process(Produce(queue, it * 1_000_000L, 3000)).also { p -> p.start() } }
            val consumers = (0 until 2).map { Process(Consume(queue)).also { p -> p.start() } }
            producers.forEach { it.await() shouldBe 3000 }
            queue.shutdown()
            val taken = consumers.map { it.await() }
            val all = taken.flatten()
            all.size shouldBe 9000
            all.toSet() shouldBe (0 until 3).flatMap { p -> (0 until 3000).map { p * 1_000_000L + it } }.toSet()
            for (fromOneConsumer in taken) {
                fromOneConsumer.groupBy { it / 1_000_000 }.values.forEach { it shouldBe it.sorted() }
            }
            (producers + consumers).forEach { it.join() }
        } finally {
            queue.close()
        }
    }

    test("a queue passed to pool tasks (no Manager needed): tasks put, the parent gets") {
        val queue = Queue<Long>()
        try {
            processPool(2) {
                (0 until 4).map { t -> applyAsync(Produce(queue, t * 1000L, 500)) }.forEach { it.await() }
            }
            queue.size shouldBe 2000
            List(2000) { queue.get() }.sorted() shouldBe (0 until 4).flatMap { t -> (0 until 500).map { t * 1000L + it } }
        } finally {
            queue.close()
        }
    }

    test("a queue given to processes killed before they fetched it is let go: no descriptor of its memory is left") {
        fun queueMemfds() = Hygiene.openFds().values.count { it.startsWith("/memfd:coproc-queue") }
        val before = queueMemfds()
        val queue = Queue<Long>()
        try {
            queueMemfds() shouldBe before + 1
            // Killed right after start: the child JVM is still starting, it cannot have fetched the queue.
            val children = List(20) { Process(Produce(queue, 0, 1)).also { it.start(); it.kill() } }
            children.forEach { it.join() }
            children.forEach { it.exitCode shouldBe -9 }
        } finally {
            queue.close()
        }
        queueMemfds() shouldBe before
    }

    test("an end put in a queue item reaches a live process after the sender closed its own copy") {
        val queue = Queue<Connection<String>>()
        try {
            val child = Process(TakeEndAndSend(queue, "through the queue")).also { it.start() }
            val (reader, writer) = Pipe<String>(duplex = false)
            reader.use {
                queue.put(writer)
                writer.close()
                withTimeout(30.seconds) { reader.receive() } shouldBe "through the queue"
                shouldThrow<EndOfStreamException> { withTimeout(30.seconds) { reader.receive() } }
            }
            child.await()
            child.join()
        } finally {
            queue.close()
        }
    }

    test("a joinable queue: join waits until every item is marked done; one taskDone too many is an error") {
        val queue = JoinableQueue<Long>()
        try {
            shouldThrow<IllegalStateException> { queue.taskDone() }.message shouldContain "more times"
            for (i in 0 until 300L) queue.put(i)
            queue.unfinished shouldBe 300
            queue.join(timeout = 50.milliseconds) shouldBe false
            val workers = (0 until 2).map { Process(Work(queue)).also { it.start() } }
            withTimeout(30.seconds) { queue.join() } shouldBe true
            queue.unfinished shouldBe 0
            queue.shutdown()
            workers.sumOf { it.await() } shouldBe 300
            workers.forEach { it.join() }
        } finally {
            queue.close()
        }
    }

    test("a producer killed by SIGKILL mid-stream: the others' items all arrive once, its own as a whole prefix") {
        val queue = Queue<Long>(capacity = 20)
        try {
            val doomed = Process(ProduceForever(queue, 1_000_000)).also { it.start() }
            val steady = Process(Produce(queue, 0, 5000)).also { it.start() }
            val received = mutableListOf<Long>()
            var fromSteady = 0
            while (received.size - fromSteady < 500) received += queue.get().also { if (it < 1_000_000) fromSteady++ }
            doomed.kill()
            doomed.join()
            // Keep taking: with 20 places, the steady producer can only finish if somebody does.
            while (fromSteady < 5000) received += queue.get().also { if (it < 1_000_000) fromSteady++ }
            steady.await() shouldBe 5000
            steady.join()
            while (true) received += queue.tryGet() ?: break
            received.filter { it < 1_000_000 } shouldBe (0 until 5000L).toList()
            val fromDoomed = received.filter { it >= 1_000_000 }
            fromDoomed shouldBe (1_000_000 until 1_000_000L + fromDoomed.size).toList()
            // Not left locked: both ends still work.
            queue.put(7)
            queue.get() shouldBe 7
        } finally {
            queue.close()
        }
    }

    test("a producer waiting for room whose wake-up never comes (its consumer killed between take and wake-up) still puts") {
        val queue = Queue<Int>(capacity = 1)
        try {
            queue.put(1)
            coroutineScope {
                val putting = async { queue.put(2) }
                // The producer is asleep once it armed not-full; taking that arm here is the wake-up that a consumer
                // killed after its take would never send, so the take below wakes nobody.
                withTimeout(10.seconds) { while (!queue.ring.takeArmed(QueueRing.NOT_FULL)) kotlinx.coroutines.yield() }
                queue.get() shouldBe 1
                withTimeout(10.seconds) { putting.await() }
            }
            queue.get() shouldBe 2
        } finally {
            queue.close()
        }
    }

    test("a consumer killed by SIGKILL mid-stream: nothing doubled, at most its one in-flight item missing") {
        val queue = Queue<Long>(capacity = 50)
        val (reports, reporter) = Pipe<Long>(duplex = false)
        try {
            val items = 20_000
            val producer = Process(Produce(queue, 0, items)).also { it.start() }
            val doomed = Process(ConsumeAndReport(queue, reporter)).also { it.start() }
            reporter.close()
            val mine = mutableListOf<Long>()
            val theirs = mutableListOf<Long>()
            coroutineScope {
                val hundredReported = CompletableDeferred<Unit>()
                val reading = launch {
                    reports.receiveAsFlow().collect {
                        theirs += it
                        if (theirs.size == 100) hundredReported.complete(Unit)
                    }
                }
                while (mine.size < 2000) mine += queue.get(30.seconds)
                // Then leave the queue to the doomed consumer until it has taken some on its own.
                withTimeout(30.seconds) { hundredReported.await() }
                doomed.kill()
                doomed.join()
                // End of stream: the killed consumer's end is closed by the kernel.
                withClue({ "the killed consumer's reports did not end; it had reported ${theirs.size}" }) {
                    withTimeout(30.seconds) { reading.join() }
                }
            }
            // The producer only finishes if the rest is taken; at most one item went with the killed consumer.
            // Each wait is bounded, so that a second lost item fails here, with the counts, instead of hanging.
            withClue({ "taken here ${mine.size}, reported by the killed consumer ${theirs.size}, of $items" }) {
                while (mine.size < items - theirs.size - 1) mine += queue.get(30.seconds)
            }
            producer.await() shouldBe items
            producer.join()
            while (true) mine += queue.tryGet() ?: break
            val all = mine + theirs
            all.size shouldBe all.toSet().size
            (items - all.size) shouldBeLessThanOrEqual 1
            mine.size shouldBeGreaterThan 0
        } finally {
            reports.close()
            queue.close()
        }
    }

    test("a lock held by a process that died is taken over; a put it had committed appears exactly once") {
        val queue = Queue<Int>()
        try {
            val victim = Process(RunForever()).also { it.start() }
            val dead = QueueRingFaults.identityOf(victim.pid!!)
            victim.kill()
            victim.join()
            QueueRingFaults.lockedBy(queue.ring, dead)
            withTimeout(10.seconds) { queue.put(1) }
            queue.get() shouldBe 1

            QueueRingFaults.diedAfterCommittingPut(queue.ring, dead, dev.coproc.internal.codec.MessageCodec(Int.serializer()).encode(42))
            withTimeout(10.seconds) { queue.get() } shouldBe 42
            queue.tryGet() shouldBe null
            queue.size shouldBe 0
        } finally {
            queue.close()
        }
    }

    test("an unbounded queue holds far more than 16 MiB with no consumer, and gives memory back as it is taken") {
        val queue = Queue<String>()
        try {
            val mib = 1024 * 1024
            val item = "x".repeat(mib - 16)
            repeat(100) { queue.tryPut(item) shouldBe true } // 100 MiB waiting, nothing blocked
            queue.ring.memory().allocatedBytes() shouldBeGreaterThan 100L * mib - mib
            repeat(100) { queue.get().length shouldBe item.length }
            queue.ring.memory().allocatedBytes() shouldBeLessThan 4L * mib
        } finally {
            queue.close()
        }
    }

    test("items stay whole while the ring wraps many times and consumed chunks are given back") {
        val queue = Queue<String>(capacity = 1000, bufferBytes = 8 * 1024 * 1024)
        try {
            coroutineScope {
                launch { for (i in 0 until 2000) queue.put(i.toString().padEnd(50_000 + i, ('a' + i % 26))) }
                for (i in 0 until 2000) {
                    val got = queue.get()
                    got shouldBe i.toString().padEnd(50_000 + i, ('a' + i % 26))
                }
            }
            queue.ring.memory().allocatedBytes() shouldBeLessThan 4L * 1024 * 1024
        } finally {
            queue.close()
        }
    }

    test("an item larger than half the ring goes in once the queue is empty (40k, then 45k, in 64 KiB)") {
        val queue = Queue<ByteArray>(bufferBytes = 64 * 1024)
        try {
            withTimeout(10.seconds) {
                queue.put(ByteArray(40_000))
                queue.get().size shouldBe 40_000
                queue.put(ByteArray(45_000)) // the ring's end has 25 KiB left: the item wraps around it
                queue.size shouldBe 1
                queue.get().size shouldBe 45_000
            }
        } finally {
            queue.close()
        }
    }

    test("an item goes in whenever the free bytes allow, across the ring's end, and comes out whole") {
        val queue = Queue<ByteArray>(bufferBytes = 64 * 1024)
        try {
            fun item(size: Int, seed: Int) = ByteArray(size) { (it * 31 + seed).toByte() }
            withTimeout(10.seconds) {
                // Move the ring's positions around, so that items of every size land across its end somewhere.
                for (round in 0 until 50) {
                    val first = item(1_000 + round * 997, round)
                    val second = item(64 * 1024 - (first.size + 4 + 7) / 8 * 8 - 4, round + 1) // the two records fill the ring exactly
                    queue.put(first)
                    queue.tryPut(second) shouldBe true
                    queue.tryPut(ByteArray(1)) shouldBe false // no byte left
                    queue.get() shouldBe first
                    queue.get() shouldBe second
                }
            }
        } finally {
            queue.close()
        }
    }

    test("items up to the documented maximum go in an empty queue, wherever the ring's positions are") {
        val queue = Queue<ByteArray>(bufferBytes = 64 * 1024)
        try {
            queue.maxItemBytes shouldBe 64 * 1024 - 8 // as documented: the buffer less 8 bytes
            val largest = ByteArray(queue.maxItemBytes) { (it % 251).toByte() }
            withTimeout(10.seconds) {
                for (offset in listOf(0, 8, 4_096, 32_760, 40_000, 65_000)) {
                    queue.put(ByteArray(offset))
                    queue.get()
                    queue.put(largest)
                    queue.tryPut(ByteArray(0)) shouldBe false // the largest item takes the whole ring
                    queue.get() shouldBe largest
                }
            }
        } finally {
            queue.close()
        }
    }

    test("an item too large for the buffer fails typed at once, before anything is put") {
        val queue = Queue<ByteArray>(bufferBytes = 64 * 1024)
        try {
            val error = shouldThrow<QueueItemTooLargeException> { withTimeout(10.seconds) { queue.put(ByteArray(queue.maxItemBytes + 1)) } }
            error.encodedBytes shouldBe queue.maxItemBytes + 1
            error.maxItemBytes shouldBe queue.maxItemBytes
            error.message shouldContain "bufferBytes"
            shouldThrow<QueueItemTooLargeException> { queue.tryPut(ByteArray(64 * 1024)) }
            queue.isEmpty shouldBe true
            queue.put(byteArrayOf(1, 2, 3))
            queue.get() shouldBe byteArrayOf(1, 2, 3)
        } finally {
            queue.close()
        }
    }

    test("a String item too large for the buffer fails typed too") {
        val queue = Queue<String>(bufferBytes = 1024)
        try {
            shouldThrow<QueueItemTooLargeException> { queue.put("x".repeat(4000)) }.encodedBytes shouldBe 4000
            queue.put("fits")
            queue.get() shouldBe "fits"
        } finally {
            queue.close()
        }
    }

    test("byte items travel as their bytes, through a worker process and back") {
        val input = Queue<ByteArray>(bufferBytes = 64 * 1024)
        val output = Queue<ByteArray>(bufferBytes = 64 * 1024)
        try {
            val random = java.util.Random(19)
            val items = listOf(0, 1, 255, 1_000, 60_000, 64 * 1024 - 8).map { size -> ByteArray(size).also(random::nextBytes) }
            // Encoded as their length: a 60,000-byte item leaves room for 5,000 more in a 64 KiB ring.
            dev.coproc.internal.codec.MessageCodec(kotlinx.serialization.builtins.ByteArraySerializer()).encode(items[4]).size shouldBe 60_000
            input.put(items[4])
            input.tryPut(ByteArray(5_000)) shouldBe true
            input.get() shouldBe items[4]
            input.get().size shouldBe 5_000
            val echo = Process(EchoBytes(input, output, items.size)).also { it.start() }
            withTimeout(30.seconds) {
                coroutineScope {
                    launch { items.forEach { input.put(it) } }
                    for (item in items) output.get() shouldBe item
                }
            }
            echo.await() shouldBe items.sumOf { it.size.toLong() }
            echo.join()
        } finally {
            input.close()
            output.close()
        }
    }
})
