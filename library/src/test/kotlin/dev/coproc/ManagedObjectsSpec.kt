package dev.coproc

import dev.coproc.internal.blockingCall
import dev.coproc.os.Signals
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.serialization.builtins.serializer
import kotlin.time.Duration.Companion.seconds
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.future.asCompletableFuture
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/** The queues, values, arrays and synchronization objects a manager serves (Python's SyncManager set). */
class ManagedObjectsSpec : FunSpec({
    extension(Hygiene)
    timeout = 180_000

    test("a manager queue filled by pool tasks is drained by the parent (the seeds' example)") {
        manager {
            val results = queue<Int>()
            processPool(workers = 2) { map((1..10).map { PutSquare(results, it) }) }
            results.size shouldBe 10
            List(10) { results.get(5.seconds) } shouldContainExactlyInAnyOrder (1..10).map { it * it }
            results.tryGet() shouldBe null
            shouldThrow<QueueEmptyException> { results.get(50.milliseconds) }
        }
    }

    test("a call that blocks its thread is answered while a coroutine of that single thread waits in the manager") {
        manager {
            val items = queue<Int>()
            val lock = lock()
            val thread = Executors.newSingleThreadExecutor()
            try {
                val answered = CoroutineScope(thread.asCoroutineDispatcher()).async {
                    // The waiting get reads the connection for every caller of this process while it waits...
                    val waiting = launch(start = CoroutineStart.UNDISPATCHED) { items.get() }
                    // ...and these calls hold the one thread until their answers are read.
                    val taken = lock.tryAcquire()
                    lock.release()
                    items.size.also { waiting.cancel() } to taken
                }.asCompletableFuture()
                answered.get(20, TimeUnit.SECONDS) shouldBe (0 to true)
            } finally {
                thread.shutdownNow()
            }
        }
    }

    test("a call that blocks the one thread is answered after the reading coroutine got its own answer, with another still waiting") {
        manager {
            val first = queue<Int>()
            val second = queue<Int>()
            val late = queue<Int>()
            val thread = Executors.newSingleThreadExecutor()
            try {
                val answered = CoroutineScope(thread.asCoroutineDispatcher()).async {
                    // Reads the connection until its own answer (an empty queue, after 300 ms)...
                    val reading = async(start = CoroutineStart.UNDISPATCHED) { runCatching { first.get(300.milliseconds) } }
                    // ...while this one waits asleep, and cannot run again while the thread is held below.
                    val asleep = launch(start = CoroutineStart.UNDISPATCHED) { second.get() }
                    // Holds the one thread until its answer (an empty queue, after 1.5 s) is read: by whom, once the
                    // reading coroutine has stopped?
                    val blocked = runCatching { blockingCall { late.get(1500.milliseconds) } }
                    asleep.cancel()
                    reading.await().exceptionOrNull() to blocked.exceptionOrNull()
                }.asCompletableFuture()
                val (firstFailure, blockedFailure) = answered.get(20, TimeUnit.SECONDS)
                firstFailure.shouldBeInstanceOf<QueueEmptyException>()
                blockedFailure.shouldBeInstanceOf<QueueEmptyException>()
            } finally {
                thread.shutdownNow()
            }
        }
    }

    test("queue order, bounds and timeouts; a waiting get holds up no other call of its process") {
        manager {
            val bounded = queue<String>(capacity = 2)
            bounded.put("a")
            bounded.tryPut("b") shouldBe true
            bounded.tryPut("c") shouldBe false
            shouldThrow<QueueFullException> { bounded.put("c", 50.milliseconds) }
            // A put waiting for room gets in as soon as a get makes some, keeping FIFO order.
            coroutineScope {
                val waitingPut = async { bounded.put("c", 10.seconds) }
                bounded.get() shouldBe "a"
                waitingPut.await()
            }
            bounded.get() shouldBe "b"
            bounded.get() shouldBe "c"

            val items = queue<String>()
            val dict = dict<String, Int>()
            coroutineScope {
                val waitingGet = async { items.get(30.seconds) }
                // The same process's connection goes on serving while that get waits in the manager.
                withTimeout(10.seconds) {
                    dict["x"] = 1
                    dict.get("x") shouldBe 1
                }
                items.put("late")
                waitingGet.await() shouldBe "late"
            }
        }
    }

    test("a cancelled get takes nothing, and the get of a killed process takes nothing either") {
        manager {
            val items = queue<String>()
            coroutineScope {
                val cancelled = launch(start = CoroutineStart.UNDISPATCHED) { items.get() }
                cancelled.cancel()
                cancelled.join()
            }
            val child = Process(TakeOne(items)).also { it.start() }
            // The child's get waits in the manager; kill it there.
            withTimeout(30.seconds) { while (managerQueueWaiters(items) == 0) kotlinx.coroutines.delay(10) }
            Signals.send(child.pid!!, Signals.SIGKILL)
            child.join()
            items.put("only")
            items.get(5.seconds) shouldBe "only"
            items.size shouldBe 0
        }
    }

    test("a shut-down queue refuses puts, fails a waiting get, and drains what is left before failing gets") {
        manager {
            val items = queue<String>()
            val waitingGet = async(start = CoroutineStart.UNDISPATCHED) { runCatching { items.get(30.seconds) } }
            items.shutdown()
            waitingGet.await().exceptionOrNull().shouldBeInstanceOf<QueueShutdownException>()
            shouldThrow<QueueShutdownException> { items.put("late") }

            val draining = queue<String>()
            draining.put("left")
            draining.shutdown()
            draining.isShutdown shouldBe true
            shouldThrow<QueueShutdownException> { draining.tryPut("late") }.message shouldContain "no more items"
            draining.get() shouldBe "left"
            shouldThrow<QueueShutdownException> { draining.get(5.seconds) }.message shouldContain "every item was taken"
            shouldThrow<QueueShutdownException> { draining.tryGet() }
        }
    }

    test("a lookup with other type arguments than published is refused naming both; an item that does not decode stays in the queue") {
        manager {
            val strings = queue<String>()
            strings.put("one")
            publish("jobs", strings)
            val refused = shouldThrow<IllegalArgumentException> { lookup<ManagedQueue<Long>>("jobs") }
            refused.message shouldContain "dev.coproc.ManagedQueue<kotlin.String>"
            refused.message shouldContain "dev.coproc.ManagedQueue<kotlin.Long>"
            publish("counts", dict<String, List<Int>>())
            shouldThrow<IllegalArgumentException> { lookup<ManagedDict<String, List<String>>>("counts") }.message shouldContain "kotlin.Int"
            lookup<ManagedDict<String, List<Int>>>("counts").size() shouldBe 0
            strings.size shouldBe 1

            // A proxy of the wrong type made anyway (its handle decoded as another type): its get fails typed,
            // with the item's bytes, and the item stays at the head of the queue.
            val handle = dev.coproc.internal.codec.WireCodec.encode(ManagedQueue.serializer(String.serializer()), strings)
            val longs = dev.coproc.internal.codec.WireCodec.decode(ManagedQueue.serializer(Long.serializer()), handle)
            shouldThrow<MessageDecodingException> { longs.get(5.seconds) }.bytes shouldBe "one".encodeToByteArray()
            shouldThrow<MessageDecodingException> { longs.tryGet() }
            strings.size shouldBe 1
            strings.put("two")
            strings.get(5.seconds) shouldBe "one"

            // The other proxies' reads fail typed too, with the value's bytes (-1 is four 0xff bytes: no UTF-8).
            val ints = dict<String, Int>(mapOf("k" to -1))
            val asText = dev.coproc.internal.codec.WireCodec.decode(
                ManagedDict.serializer(String.serializer(), String.serializer()),
                dev.coproc.internal.codec.WireCodec.encode(ManagedDict.serializer(String.serializer(), Int.serializer()), ints),
            )
            shouldThrow<MessageDecodingException> { asText.get("k") }.bytes.size shouldBe 4
            shouldThrow<MessageDecodingException> { asText.values() }
            ints.get("k") shouldBe -1
        }
    }

    test("a joinable queue: join returns once a child marked every item done") {
        manager {
            val work = joinableQueue<Int>()
            (1..5).forEach { work.put(it) }
            work.unfinished() shouldBe 5
            val consumer = Process(ConsumeJoinable(work, 5)).also { it.start() }
            withTimeout(30.seconds) { work.join() }
            work.unfinished() shouldBe 0
            consumer.await() shouldBe 15
            consumer.join()
            shouldThrow<IllegalStateException> { work.taskDone() }.message shouldContain "more times"
        }
    }

    test("a value and an array: atomic calls, updates from several processes lose nothing, errors change nothing") {
        manager {
            val value = value(0)
            val children = (1..3).map { Process(UpdateValue(value, 100)).also { it.start() } }
            children.forEach { it.await(); it.join() }
            value.get() shouldBe 300
            value.compareAndSet(300, 7) shouldBe true
            value.compareAndSet(300, 8) shouldBe false
            value.getAndSet(9) shouldBe 7
            shouldThrow<ManagerCallException> { value.update(FailingOperation()) }
            value.get() shouldBe 9

            val array = array(listOf(1.5, 2.5, 3.5))
            array.size() shouldBe 3
            array.set(1, 20.0) shouldBe 2.5
            array.get(1) shouldBe 20.0
            array.snapshot() shouldBe listOf(1.5, 20.0, 3.5)
            shouldThrow<ManagerCallException> { array.get(3) }.remoteType shouldBe "IndexOutOfBounds"
            shouldThrow<ManagerCallException> { array.ref.call("append", ByteArray(8)) }.message shouldContain "no method append"
            array.snapshot() shouldBe listOf(1.5, 20.0, 3.5)
        }
    }

    test("a lock makes read-then-write exact across processes; a killed holder frees it for the next, who is told") {
        manager {
            val lock = lock()
            val count = value(0)
            val children = (1..3).map { Process(CountUnderLock(lock, count, 100)).also { it.start() } }
            children.forEach { it.await(); it.join() }
            count.get() shouldBe 300
            shouldThrow<IllegalStateException> { lock.release() }.message shouldContain "does not hold"

            val holding = event()
            val holder = Process(HoldLockUntilKilled(lock, holding)).also { it.start() }
            withTimeout(30.seconds) { holding.wait() }
            lock.tryAcquire() shouldBe false
            lock.isLocked shouldBe true
            Signals.send(holder.pid!!, Signals.SIGKILL)
            withTimeout(30.seconds) { lock.acquire() } shouldBe true
            lock.previousOwnerDied shouldBe true
            holder.join()
            lock.release()
            lock.acquire() shouldBe true
            lock.previousOwnerDied shouldBe false
            lock.release()
        }
    }

    test("an rlock is re-entrant for its coroutine and refused to another; a cancelled acquire takes nothing") {
        manager {
            val rlock = rLock()
            rlock.acquire() shouldBe true
            rlock.acquire() shouldBe true
            rlock.holdCount() shouldBe 2
            coroutineScope {
                launch {
                    rlock.acquire(50.milliseconds) shouldBe false
                    shouldThrow<IllegalStateException> { rlock.release() }
                }
            }
            rlock.release()
            rlock.release()
            rlock.holdCount() shouldBe 0

            val lock = lock()
            lock.acquire()
            coroutineScope {
                val waiting = launch(start = CoroutineStart.UNDISPATCHED) { lock.acquire() }
                waiting.cancel()
                waiting.join()
            }
            lock.release()
            lock.tryAcquire() shouldBe true // the cancelled acquire did not take it
            lock.release()
        }
    }

    test("semaphores count permits; a bounded one refuses a release above its value") {
        manager {
            val semaphore = semaphore(2)
            semaphore.acquire() shouldBe true
            semaphore.acquire() shouldBe true
            semaphore.tryAcquire() shouldBe false
            semaphore.acquire(50.milliseconds) shouldBe false
            semaphore.release(2)
            semaphore.value shouldBe 2L
            semaphore.release()
            semaphore.value shouldBe 3L

            val bounded = boundedSemaphore(1)
            bounded.withPermit { bounded.value shouldBe 0L }
            shouldThrow<IllegalStateException> { bounded.release() }.message shouldContain "bounded"
            bounded.value shouldBe 1L
        }
    }

    test("an event set by the parent wakes a child; a condition wakes a child waiting for a value") {
        manager {
            val event = event()
            val waiter = Process(WaitForManagedEvent(event, 30_000)).also { it.start() }
            Process(WaitForManagedEvent(event, 50)).also { it.start() }.run { await() shouldBe false; join() }
            event.set()
            event.isSet shouldBe true
            waiter.await() shouldBe true
            waiter.join()
            event.clear()
            event.wait(20.milliseconds) shouldBe false

            val condition = condition()
            val value = value(0)
            val waiting = event()
            val child = Process(WaitForValue(condition, value, 3, waiting)).also { it.start() }
            withTimeout(30.seconds) { waiting.wait() }
            for (i in 1..3) condition.withLock {
                value.set(i)
                condition.notifyAll()
            }
            child.await() shouldBe 3
            child.join()
            shouldThrow<IllegalStateException> { condition.wait(10.milliseconds) }.message shouldContain "does not hold"
            shouldThrow<IllegalStateException> { condition.notify() }
        }
    }

    test("a barrier releases its parties together with distinct indices; a timeout breaks it; abort and reset") {
        manager {
            val barrier = barrier(3)
            val parties = (1..2).map { Process(WaitAtManagedBarrier(barrier)).also { it.start() } }
            val mine = withTimeout(60.seconds) { barrier.wait() }
            (parties.map { it.await() } + mine) shouldContainExactlyInAnyOrder listOf(0, 1, 2)
            parties.forEach { it.join() }

            shouldThrow<BrokenBarrierException> { barrier.wait(50.milliseconds) }.message shouldContain "timed out"
            barrier.isBroken shouldBe true
            shouldThrow<BrokenBarrierException> { barrier.wait() }
            barrier.reset()
            barrier.isBroken shouldBe false
            barrier.abort()
            shouldThrow<BrokenBarrierException> { barrier.wait() }
        }
    }

    test("a registered type: a typed proxy whose calls run in the manager, shared with children; its errors are typed") {
        manager {
            val tally = create(MakeTally(10))
            val children = (1..3).map { Process(AddToTally(tally, 50)).also { it.start() } }
            children.forEach { it.await(); it.join() }
            tally.proxy.total() shouldBe 160
            tally.proxy.add(5) shouldBe 165
            tally.proxy.label(null) shouldBe null
            tally.proxy.label("total") shouldBe "total 165"
            tally.proxy.history().size shouldBe 151
            val error = shouldThrow<ManagerCallException> { tally.proxy.refuse("no") }
            error.remoteType shouldBe "java.lang.IllegalStateException"
            error.message shouldContain "refused: no"
            tally.proxy.total() shouldBe 165
            tally.proxy.toString() shouldContain "Managed<Tally>"

            // Published, then found from a connection of its own.
            publish("tally", tally)
            Manager.connect(address, authKey).use { it.lookup<Managed<Tally>>("tally").proxy.total() shouldBe 165 }

            create(MakeBlocking()).proxy.now() shouldBe 42
            shouldThrow<IllegalArgumentException> { create(MakeUnsendable()) }.message shouldContain "not serializable"
            shouldThrow<TaskEncodingException> { create(LocalTallyFactory()) }.message shouldContain "Serializable"
        }
    }
})

/** How many gets wait on [queue] in the manager now (a test's way to know a child's get arrived there). */
private suspend fun managerQueueWaiters(queue: ManagedQueue<*>): Int = dev.coproc.internal.manager.ManagerWire.int(queue.ref.call("waiting").single())
