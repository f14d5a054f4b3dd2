package dev.coproc

import dev.coproc.os.Signals
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

class PoolSpec : FunSpec({
    extension(Hygiene)
    timeout = 120_000

    test("apply runs tasks in reused workers: pids repeat") {
        processPool(workers = 2) {
            apply(Square(6)) shouldBe 36
            val pids = List(20) { apply(Pid()) }.toSet()
            pids.size shouldBeLessThanOrEqual 2
            workerPids().toSet().containsAll(pids) shouldBe true
        }
    }

    test("a pool is AutoCloseable: use { } closes it (nothing new goes in), what was submitted finishes, then join") {
        val pool = ProcessPool.create(PoolOptions.builder().workers(1).build())
        val queued = pool.use { it.applyAsync(Square(9)) }
        shouldThrow<PoolClosedException> { pool.apply(Square(1)) }
        queued.await() shouldBe 81
        withTimeout(30.seconds) { pool.join() }
    }

    test("map returns results in input order, chunked or not") {
        processPool(workers = 2) {
            map(1..1000, SquareFn) shouldBe (1..1000).map { it * it }
            map(1..10, SquareFn, chunkSize = 3) shouldBe (1..10).map { it * it }
            map(listOf("a", "b"), Upper) shouldBe listOf("A", "B")
            map(emptyList<Int>(), SquareFn) shouldBe emptyList()
        }
    }

    test("map keeps primitives exact across ranges, steps, longs, doubles and nulls") {
        processPool(workers = 2) {
            map(100 downTo -100 step 7, SquareFn, chunkSize = 5) shouldBe (100 downTo -100 step 7).map { it * it }
            map(Int.MAX_VALUE - 3..Int.MAX_VALUE, SquareFn) shouldBe (Int.MAX_VALUE - 3..Int.MAX_VALUE).map { it * it }
            map(0L..9_999L step 3, HalfOf) shouldBe (0L..9_999L step 3).map { it / 2.0 }
            // A chunk holding a null travels generically; the others stay packed; the list is still in order.
            map(listOf(0, 2, 4, 5, 6, 8), NullIfOdd, chunkSize = 2) shouldBe listOf(0, 2, 4, null, 6, 8)
            val squares = map(0 until 10, SquareFn)
            squares shouldBe List(10) { it * it }
            squares.hashCode() shouldBe List(10) { it * it }.hashCode()
            squares.indexOf(81) shouldBe 9
        }
    }

    test("map over tasks, starmap over pairs") {
        processPool(workers = 2) {
            map(listOf(Square(2), Square(3), Square(4))) shouldBe listOf(4, 9, 16)
            starmap(listOf(1 to 2, 3 to 4), Add) shouldBe listOf(3, 7)
        }
    }

    test("imap streams in input order, imapUnordered in completion order") {
        processPool(workers = 2) {
            imap((1..50).toList(), SquareFn, chunkSize = 4).toList() shouldBe (1..50).map { it * it }
            imapUnordered((1..50).toList(), SquareFn).toList() shouldContainExactlyInAnyOrder (1..50).map { it * it }
        }
    }

    test("imap pulls its items as its results go out: the source is never more than a bounded window ahead") {
        // 64 items per worker in flight keep the workers busy while the caller consumes; never more than that
        // (or two chunks per worker, for larger chunks), however long the source.
        suspend fun Pool.maxAhead(items: Int, chunkSize: Int): Int {
            var pulled = 0
            var emitted = 0
            var ahead = 0
            val source = Iterable { (1..items).asSequence().onEach { pulled++ }.iterator() }
            imap(source, SquareFn, chunkSize).collect { value ->
                emitted++
                value shouldBe emitted * emitted
                ahead = maxOf(ahead, pulled - emitted)
            }
            emitted shouldBe items
            return ahead
        }
        processPool(workers = 2) {
            maxAhead(2_000, chunkSize = 1) shouldBeLessThanOrEqual 2 * 64
            maxAhead(2_000, chunkSize = 100) shouldBeLessThanOrEqual 2 * 2 * 100
        }
    }

    test("one slow task does not hold up the others") {
        processPool(workers = 2) {
            val slow = applyAsync(SleepThenPid(5_000))
            List(10) { applyAsync(Square(it)) }.awaitAll() shouldBe List(10) { it * it }
            slow.isActive shouldBe true
            slow.cancelAndJoin()
        }
    }

    test("an exception in a task arrives typed; in a map it fails the map") {
        processPool(workers = 2) {
            shouldThrow<RemoteTaskException> { apply(Fail("pool boom")) }.remoteMessage shouldBe "pool boom"
            val error = shouldThrow<RemoteTaskException> { map(1..20, FailAt(7), chunkSize = 2) }
            error.remoteMessage shouldBe "bad item 7"
            apply(Square(2)) shouldBe 4
        }
    }

    test("a worker killed by SIGKILL mid-task fails that task typed; the next task succeeds") {
        processPool(workers = 1) {
            val before = apply(Pid())
            val error = shouldThrow<ProcessDiedException> { apply(SignalSelf(Signals.SIGKILL)) }
            error.pid shouldBe before
            error.exitStatus.signal() shouldBe Signals.SIGKILL
            val after = apply(Pid())
            after shouldNotBe before
        }
    }

    test("a worker that exits mid-task fails it with its exit code; an OOM arrives typed") {
        processPool(workers = 1, workerOptions = WorkerOptions { maxHeap("32m") }) {
            shouldThrow<ProcessDiedException> { apply(ExitWith(3)) }.exitStatus.exitCode() shouldBe 3
            shouldThrow<RemoteTaskException> { apply(Allocate(512)) }.remoteClassName shouldBe "java.lang.OutOfMemoryError"
            apply(Square(5)) shouldBe 25
        }
    }

    test("retries run a task again on a new worker after its worker died") {
        val dir = tempdir().toPath()
        processPool(workers = 1, retries = 1) { apply(DieOnce(dir.resolve("a").toString())) shouldBe "ok" }
        processPool(workers = 1) { shouldThrow<ProcessDiedException> { apply(DieOnce(dir.resolve("b").toString())) } }
    }

    test("a map's next chunk waits in its worker and runs only after the current one: never two at once") {
        processPool(workers = 2) {
            map(1..60, Overlap, chunkSize = 1).toSet() shouldBe setOf(1)
        }
    }

    test("a chunk sent ahead to a worker that dies runs on the next worker; nothing is lost") {
        val marker = tempdir().toPath().resolve("died").toString()
        processPool(workers = 1, retries = 1) {
            val pid = apply(Pid())
            // Chunk [3] kills the worker while [4] already waits in it (sent ahead); both still complete.
            map(0 until 10, DieOnceAt(3, marker), chunkSize = 1) shouldBe (0 until 10).toList()
            apply(Pid()) shouldNotBe pid
        }
    }

    /** How many times each item was recorded in [runs] (a [RecordRuns] file). */
    fun runCounts(runs: Path): Map<Int, Int> = Files.readAllLines(runs).groupingBy { it.toInt() }.eachCount()

    /**
     * Maps 400 tiny items on one worker (retries = 1), item 300 ending that worker once ([RecordRuns]); only item
     * 300 may run twice (its retry): the chunks waiting behind it in the worker must run once, on the next one.
     */
    suspend fun endWorkerMidMap(bySigterm: Boolean) {
        val dir = tempdir().toPath()
        val runs = dir.resolve("runs")
        processPool(workers = 1, retries = 1) {
            // By item 300 the slot has seen tiny chunks and keeps many waiting in its worker.
            val function = RecordRuns(runs.toString(), endAt = 300, marker = dir.resolve("ended").toString(), bySigterm = bySigterm)
            withTimeout(60.seconds) { map(0 until 400, function, chunkSize = 1) } shouldBe (0 until 400).toList()
        }
        runCounts(runs) shouldBe (0 until 400).associateWith { if (it == 300) 2 else 1 }
    }

    test("tiny chunks sent ahead, many at once, to a worker that dies run once each on the next worker") {
        // The ones waiting behind the item that halts its worker had not started.
        endWorkerMidMap(bySigterm = false)
    }

    test("a SIGTERMed worker starts none of the chunks waiting in it: each runs once, on the next worker") {
        // Item 300 sends its worker a SIGTERM: the worker cancels it (no answer) and dies of the signal a moment
        // later. The tiny chunks sent ahead behind it must not start there: unanswered, they would run again.
        endWorkerMidMap(bySigterm = true)
    }

    test("the replies of tiny tasks held back while more wait are not held behind a long task read with them") {
        processPool(workers = 1, workerOptions = WorkerOptions { fastStart(false); terminateGrace(1.seconds) }) {
            // Warm: the slot has seen tiny chunks and sends many ahead at once, so the worker reads them together.
            map(0 until 400, BlockAt(-1, 0), chunkSize = 1)
            // Item 300 keeps the worker's reading thread for a minute: the replies to the ones before it, held
            // while it was read with them, go once the reading passes to another thread, not after that minute.
            val before = withTimeout(20.seconds) { imap(0 until 400, BlockAt(300, 60_000), chunkSize = 1).take(300).toList() }
            before shouldBe (0 until 300).toList()
        }
    }

    test("chunks sent ahead count among a worker's tasks: maxTasksPerChild holds for tiny chunks") {
        processPool(workers = 1, maxTasksPerChild = 40) {
            val pids = withTimeout(60.seconds) { map(0 until 400, ItemPid, chunkSize = 1) }
            pids.groupingBy { it }.eachCount().values.toSet() shouldBe setOf(40)
            pids.toSet() shouldHaveSize 10
        }
    }

    test("a worker whose first long task hands the command reading to another thread lives on") {
        // A task that holds the reading thread over 2 ms without suspending gets the reading passed to a new
        // thread, and the worker's main thread has nothing left to do: its ending, while the new thread is
        // still being started, must not end the JVM. It hands over from the main thread once: a pool per try.
        repeat(5) {
            processPool(workers = 1) {
                val pid = apply(Pid())
                withTimeout(30.seconds) { apply(EndAsReadingMoves()) } shouldBe pid
                withTimeout(30.seconds) { apply(Pid()) } shouldBe pid
            }
        }
    }

    test("a task over its timeout fails typed; its worker is replaced; others are unaffected") {
        processPool(workers = 2) {
            val before = workerPidsAfterStart()
            val other = applyAsync(SleepThenPid(1_000))
            val error = shouldThrow<TaskTimeoutException> { apply(RunForever(), timeout = 300.milliseconds) }
            error.timeout shouldBe 300.milliseconds
            before.contains(error.pid) shouldBe true
            other.await() shouldNotBe error.pid
            apply(Square(3)) shouldBe 9
        }
    }

    /** Starts [task] (which writes [running] then "cancelled" to its file), cancels its caller, sees it stop. */
    suspend fun cancelReachesWorker(running: String, task: (file: String) -> Task<Unit>) = coroutineScope {
        val file = tempdir().toPath().resolve("events")
        processPool(workers = 1) {
            val pid = apply(Pid())
            val call = launch { apply(task(file.toString())) }
            awaitFile(file, 30.seconds) { it.contains(running) }
            call.cancelAndJoin()
            awaitFile(file, 30.seconds) { it.contains("cancelled") }
            apply(Pid()) shouldBe pid
        }
    }

    test("cancelling the caller cancels the task in the worker; the worker survives") {
        cancelReachesWorker("beat") { Heartbeat(it) }
    }

    test("a task that never suspends still hears its cancel: commands are read while it runs") {
        cancelReachesWorker("started") { BusyUntilCancelled(it) }
    }

    test("a task that ignores cancellation gets its worker killed and replaced after the grace period") {
        processPool(workers = 1, workerOptions = WorkerOptions { terminateGrace(300.milliseconds) }) {
            val pid = apply(Pid())
            withTimeoutOrNull(500.milliseconds) { apply(BusyLoop()) } shouldBe null
            apply(Pid()) shouldNotBe pid
        }
    }

    test("cancelling a map cancels its remaining chunks") {
        processPool(workers = 2) {
            val pids = workerPidsAfterStart()
            withTimeoutOrNull(500.milliseconds) { map(1..20, SlowFn(10_000), chunkSize = 1) } shouldBe null
            map(1..4, SquareFn) shouldBe listOf(1, 4, 9, 16)
            workerPids().toSet() shouldBe pids
        }
    }

    test("maxTasksPerChild replaces workers: pids change") {
        processPool(workers = 1, maxTasksPerChild = 2) {
            val pids = List(6) { apply(Pid()) }
            pids.toSet() shouldHaveSize 3
            pids.chunked(2).all { it[0] == it[1] } shouldBe true
        }
    }

    test("the initializer runs once in every worker, before its tasks") {
        processPool(workers = 2, initializer = CountInit(), maxTasksPerChild = 3) {
            List(12) { async { apply(ReadInit()) } }.awaitAll().toSet() shouldContainExactly setOf(1)
        }
    }

    test("a failing initializer fails tasks with a typed error instead of hanging") {
        processPool(workers = 1, initializer = FailingInit()) {
            val error = shouldThrow<ProcessStartException> { apply(Square(1)) }
            error.message shouldContain "no database"
        }
    }

    test("an initializer over the frame limit fails tasks with a typed error instead of hanging") {
        val small = PoolOptions.DEFAULT_WORKER_OPTIONS.toBuilder().maxFrameSize(1 shl 20).build()
        processPool(workers = 1, initializer = Echo(ByteArray(2 shl 20)), workerOptions = small) {
            val error = withTimeout(60.seconds) { shouldThrow<ProcessStartException> { apply(Square(1)) } }
            error.message shouldContain "over maxFrameSize"
        }
    }

    test("an initializer that cannot be encoded fails tasks with a typed error and leaves no worker running") {
        processPool(workers = 1, initializer = NotSerializable()) {
            val error = withTimeout(60.seconds) { shouldThrow<TaskEncodingException> { apply(Square(1)) } }
            error.message shouldContain NotSerializable::class.java.name
            Hygiene.children().shouldBeEmpty()
        }
    }

    test("close lets queued tasks finish; tasks after close fail clearly") {
        val pool = ProcessPool.create(PoolOptions.builder().workers(2).build())
        val queued = List(6) { pool.applyAsync(SleepThenPid(50)) }
        pool.close()
        shouldThrow<PoolClosedException> { pool.apply(Square(1)) }
        pool.join()
        queued.awaitAll() shouldHaveSize 6
    }

    test("join before close is an error") {
        val pool = ProcessPool.create(PoolOptions.builder().workers(1).build())
        shouldThrow<IllegalStateException> { pool.join() }
        pool.close()
        pool.join()
    }

    test("terminate fails every pending and running task with PoolTerminatedException") {
        val pool = ProcessPool.create(PoolOptions.builder().workers(2).build())
        pool.apply(Square(1)) shouldBe 1
        val pending = List(5) { pool.applyAsync(RunForever()) }
        pool.terminate()
        pool.join()
        pending.forEach { shouldThrow<PoolTerminatedException> { it.await() } }
        shouldThrow<PoolClosedException> { pool.apply(Square(1)) }
    }

    test("terminate lets go of the handles of the tasks it dropped: the other ends see end of stream, every fd comes back") {
        val before = Hygiene.openFds().size
        val pipes = List(60) { Pipe<String>(duplex = false) }
        val pool = ProcessPool.create(PoolOptions.builder().workers(1).build())
        val busy = pool.applyAsync(RunForever())
        // Queued behind the busy worker: none of them ever runs, so no worker fetches their ends.
        val queued = pipes.map { (_, writer) -> pool.applyAsync(HoldOpen(writer)) }
        pipes.forEach { (_, writer) -> writer.close() }
        pool.terminate()
        pool.join()
        (queued + busy).forEach { shouldThrow<PoolTerminatedException> { it.await() } }
        pipes.forEach { (reader, _) ->
            reader.use { shouldThrow<EndOfStreamException> { withTimeout(10.seconds) { reader.receive() } } }
        }
        Hygiene.awaitOpenFdsAtMost(before)
    }

    test("a task retried after its worker died gets its handles on the next worker, though the caller closed its copy") {
        val marker = tempdir().toPath().resolve("died").toString()
        val (reader, writer) = Pipe<String>(duplex = false)
        reader.use {
            processPool(workers = 1, retries = 1) {
                val result = applyAsync(DieOnceThenSend(writer, marker))
                writer.close()
                result.await() shouldBe "sent"
            }
            withTimeout(10.seconds) { reader.receive() } shouldBe "sent"
            shouldThrow<EndOfStreamException> { withTimeout(10.seconds) { reader.receive() } }
        }
    }

    test("an exception in the pool scope terminates the pool") {
        lateinit var pool: ProcessPool
        lateinit var running: kotlinx.coroutines.Deferred<Unit>
        shouldThrow<IllegalStateException> {
            processPool(workers = 1) {
                pool = this
                running = applyAsync(RunForever())
                error("scope failed")
            }
        }
        shouldThrow<PoolTerminatedException> { running.await() }
    }

    test("a worker that breaks the protocol fails its task with ProtocolException and is replaced") {
        processPool(workers = 1) {
            val before = apply(Pid())
            val bad = java.nio.ByteBuffer.allocate(13).putInt(4).put(2).putInt(0x1234).putInt(0).array()
            shouldThrow<ProtocolException> { apply(WriteRawReply(bad, exitAfter = false)) }.message shouldContain "checksum"
            apply(Pid()) shouldNotBe before
        }
    }

    test("a result that does not decode fails typed, naming the worker and its pid") {
        processPool(workers = 1) {
            val pid = apply(Pid())
            val error = shouldThrow<ProtocolException> { apply(ReturnsOneWay()) }
            error.pid shouldBe pid
            error.message shouldContain "pid $pid"
            error.message shouldContain "OneWay values do not decode"
        }
    }

    test("a task over the frame limit fails typed at once; a map chunk over it is split; an item over it fails typed") {
        val small = PoolOptions.builder().workers(1).workerOptions(PoolOptions.DEFAULT_WORKER_OPTIONS.toBuilder().maxFrameSize(1 shl 20).build()).build()
        withTimeout(60.seconds) {
            processPool(small) {
                val error = shouldThrow<TaskEncodingException> { apply(Echo(ByteArray(2 shl 20))) }
                error.message shouldContain "over maxFrameSize"
                shouldThrow<TaskEncodingException> { applyAsync(Echo(ByteArray(2 shl 20))).await() }
                // Six strings of 300,000 characters: two chunks of 900 KB each by the default size, and chunks of
                // four (1.2 MB) when asked: each over 1 MiB once framed, so each is split.
                val strings = List(6) { "s".repeat(300_000) }
                map(strings, StringLength, chunkSize = 4) shouldBe List(6) { 300_000 }
                imap(strings, StringLength, chunkSize = 6).toList() shouldBe List(6) { 300_000 }
                map(List(4) { Echo(ByteArray(400_000)) }, chunkSize = 4) shouldBe List(4) { 400_000 }
                val tooBig = listOf("a", "b".repeat(1_200_000))
                shouldThrow<TaskEncodingException> { map(tooBig, StringLength) }.message shouldContain "over maxFrameSize"
                shouldThrow<TaskEncodingException> { imap(tooBig, StringLength).toList() }
                apply(Square(4)) shouldBe 16
            }
        }
    }

    test("an exception whose message cannot be read or sent fails its task typed; the worker serves on") {
        processPool(workers = 1, workerOptions = PoolOptions.DEFAULT_WORKER_OPTIONS.toBuilder().maxFrameSize(1 shl 20).build()) {
            withTimeout(60.seconds) {
                val pid = apply(Pid())
                shouldThrow<RemoteTaskException> { apply(ThrowUnreadable()) }.remoteMessage shouldContain "getMessage() refuses"
                shouldThrow<RemoteTaskException> { apply(ThrowHugeMessage(2_000_000)) }.remoteMessage shouldContain "characters cut"
                apply(Pid()) shouldBe pid
            }
        }
    }

    test("a task that closes its worker's protocol pipes fails typed; the worker is replaced") {
        processPool(workers = 1) {
            withTimeout(60.seconds) {
                val before = apply(Pid())
                shouldThrow<ProtocolException> { apply(ClosePipes()) }.message shouldContain "closed its reply pipe"
                apply(Pid()) shouldNotBe before
            }
        }
    }

    test("a task that cannot be encoded fails in the caller") {
        processPool(workers = 1) {
            shouldThrow<TaskEncodingException> { apply(NotSerializable()) }
            shouldThrow<TaskEncodingException> { map(1..3, NotSerializableFn()) }
        }
    }
})

/** The pids once every worker has started. */
private suspend fun ProcessPool.workerPidsAfterStart(): Set<Long> {
    List(workers * 4) { applyAsync(Pid()) }.awaitAll()
    return workerPids().toSet()
}

class NotSerializableFn : TaskFunction<Int, Int> {
    override suspend fun run(item: Int): Int = item
}

/** Never suspends, so cancellation cannot reach it: only a kill stops it. */
@kotlinx.serialization.Serializable
class BusyLoop : Task<Unit> {
    override suspend fun run() {
        while (true) Thread.onSpinWait()
    }
}
