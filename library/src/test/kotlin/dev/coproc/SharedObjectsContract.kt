package dev.coproc

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.funSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/** Makes one engine's shared objects for [sharedObjectsContract]. */
interface SharedObjectMaker {
    suspend fun counter(initial: Long = 0): SharedCounter
    suspend fun lock(): SharedLock
    suspend fun semaphore(permits: Int): SharedSemaphore
    suspend fun queue(capacity: Int): SharedQueue<Int>
    suspend fun event(): SharedEvent
    suspend fun barrier(parties: Int): SharedBarrier
}

/**
 * What the counter, lock, semaphore and queue promise on every engine, used by the caller and by pool tasks
 * holding their handles: one suite, included by each engine's spec. [withObjects] runs its block with a maker
 * of that engine's objects and a pool of 2 of its workers, and ends both (and every object made) afterwards.
 * An engine without a counter of its own ([hasCounter] false) makes local ones: the other tests count with them.
 */
fun sharedObjectsContract(
    engine: String,
    hasCounter: Boolean = true,
    withObjects: suspend (block: suspend (SharedObjectMaker, Pool) -> Unit) -> Unit,
) = funSpec {
    if (hasCounter) test("$engine: a counter's atomic operations, and every increment of tasks running side by side counted") {
        withObjects { objects, pool ->
            val counter = objects.counter(5)
            counter.incrementAndGet() shouldBe 6
            counter.getAndAdd(4) shouldBe 6
            counter.addAndGet(-3) shouldBe 7
            counter.compareAndSet(7, 20) shouldBe true
            counter.compareAndSet(7, 1) shouldBe false
            counter.getAndSet(0) shouldBe 20
            counter.decrementAndGet() shouldBe -1
            counter.value = 0
            withTimeout(120.seconds) { pool.map(List(4) { Increment(counter, 250) }) }
            counter.value shouldBe 1000
        }
    }

    test("$engine: a lock lets one holder in at a time, across tasks; it is not re-entrant") {
        withObjects { objects, pool ->
            val lock = objects.lock()
            val counter = objects.counter()
            withTimeout(120.seconds) { pool.map(List(4) { AddUnderLock(lock, counter, 100) }) }
            counter.value shouldBe 400
            lock.isLocked shouldBe false

            lock.acquire() shouldBe true
            lock.isLocked shouldBe true
            lock.previousOwnerDied shouldBe false
            pool.apply(TryTakeLock(lock)) shouldBe false
            lock.acquire(100.milliseconds) shouldBe false
            lock.release()
            pool.apply(TryTakeLock(lock)) shouldBe true
            shouldThrow<IllegalStateException> { lock.release() }
        }
    }

    test("$engine: a cancelled acquire takes nothing") {
        withObjects { objects, _ ->
            val lock = objects.lock()
            lock.tryAcquire() shouldBe true
            val waiting = launch(start = CoroutineStart.UNDISPATCHED) { lock.acquire() }
            waiting.cancel()
            withTimeout(30.seconds) { waiting.join() }
            lock.release()
            lock.tryAcquire() shouldBe true
            lock.release()
        }
    }

    test("$engine: a semaphore admits at most its permits at once") {
        withObjects { objects, pool ->
            val semaphore = objects.semaphore(2)
            semaphore.value shouldBe 2
            semaphore.tryAcquire() shouldBe true
            semaphore.acquire(10.seconds) shouldBe true
            semaphore.tryAcquire() shouldBe false
            semaphore.acquire(100.milliseconds) shouldBe false
            semaphore.release(2)
            semaphore.value shouldBe 2

            val one = objects.semaphore(1)
            val inside = objects.counter()
            val mostInside = objects.counter()
            withTimeout(120.seconds) { pool.map(List(6) { HoldPermit(one, inside, mostInside, 30) }) }
            mostInside.value shouldBe 1
            inside.value shouldBe 0
            one.value shouldBe 1
        }
    }

    test("$engine: a bounded queue is first in, first out, refuses a put when full and a get when empty") {
        withObjects { objects, _ ->
            val queue = objects.queue(3)
            queue.capacity shouldBe 3
            (1..3).forEach { queue.tryPut(it) shouldBe true }
            queue.tryPut(4) shouldBe false
            shouldThrow<QueueFullException> { queue.put(4, 200.milliseconds) }
            queue.size shouldBe 3
            queue.tryGet() shouldBe 1
            queue.get() shouldBe 2
            queue.get(1.seconds) shouldBe 3
            queue.tryGet() shouldBe null
            shouldThrow<QueueEmptyException> { queue.get(200.milliseconds) }
        }
    }

    test("$engine: items put by tasks arrive once each, in each producer's order; tasks take what the caller put") {
        withObjects { objects, pool ->
            val queue = objects.queue(8)
            withTimeout(120.seconds) {
                // Producers outrun the capacity: their puts wait for the caller's gets.
                val producing = async { pool.map(List(3) { PutNumbers(queue, it * 100, 20) }) }
                val received = List(60) { queue.get() }
                producing.await()
                received shouldContainExactlyInAnyOrder (0 until 3).flatMap { it * 100 until it * 100 + 20 }
                for (producer in 0 until 3) received.filter { it / 100 == producer } shouldBe (producer * 100 until producer * 100 + 20).toList()

                val consuming = async { pool.map(List(2) { TakeItems(queue, 15) }) }
                for (item in 1..30) queue.put(item)
                consuming.await().flatten() shouldContainExactlyInAnyOrder (1..30).toList()
            }
            queue.size shouldBe 0
        }
    }

    test("$engine: an event wakes the tasks waiting for it; cleared, waits time out") {
        withObjects { objects, pool ->
            val event = objects.event()
            val waiting = objects.queue(10)
            event.isSet shouldBe false
            event.wait(100.milliseconds) shouldBe false
            withTimeout(120.seconds) {
                val waiters = List(2) { pool.applyAsync(AwaitEvent(event, waiting)) }
                repeat(2) { waiting.get() } // both tasks are at their wait
                event.set()
                waiters.map { it.await() } shouldBe listOf(true, true)
            }
            event.isSet shouldBe true
            event.wait() shouldBe true
            event.clear()
            event.isSet shouldBe false
            event.wait(100.milliseconds) shouldBe false
            event.set()
            event.wait(1.seconds) shouldBe true
        }
    }

    test("$engine: a barrier opens once all its parties arrived, round after round, each with its own index") {
        withObjects { objects, pool ->
            val barrier = objects.barrier(3)
            barrier.parties shouldBe 3
            withTimeout(120.seconds) {
                val tasks = List(2) { pool.applyAsync(MeetAt(barrier, 3)) }
                val mine = List(3) { barrier.wait(60.seconds) }
                val theirs = tasks.map { it.await() }
                for (round in 0 until 3) listOf(mine[round], theirs[0][round], theirs[1][round]) shouldContainExactlyInAnyOrder listOf(0, 1, 2)
            }
            barrier.waiting shouldBe 0
            barrier.isBroken shouldBe false
        }
    }

    test("$engine: a timed-out wait or an abort breaks a barrier until reset") {
        withObjects { objects, pool ->
            val barrier = objects.barrier(2)
            shouldThrow<BrokenBarrierException> { barrier.wait(200.milliseconds) }
            barrier.isBroken shouldBe true
            shouldThrow<BrokenBarrierException> { barrier.wait(10.seconds) }
            barrier.reset()
            barrier.isBroken shouldBe false
            withTimeout(120.seconds) {
                val task = pool.applyAsync(MeetAt(barrier, 1))
                listOf(barrier.wait(60.seconds), task.await().single()) shouldContainExactlyInAnyOrder listOf(0, 1)
            }
            barrier.abort()
            barrier.isBroken shouldBe true
            shouldThrow<BrokenBarrierException> { barrier.wait(10.seconds) }
            barrier.reset()
            barrier.isBroken shouldBe false
        }
    }

    test("$engine: a cancelled get takes nothing") {
        withObjects { objects, _ ->
            val queue = objects.queue(4)
            val waiting = launch(start = CoroutineStart.UNDISPATCHED) { queue.get() }
            waiting.cancel()
            withTimeout(30.seconds) { waiting.join() }
            queue.put(7)
            queue.tryGet() shouldBe 7
        }
    }
}
