package dev.coproc

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeout

class SyncSpec : FunSpec({
    extension(Hygiene)
    timeout = 90_000

    test("a Lock excludes across processes: four processes' read-then-write increments lose nothing") {
        Lock().use { lock ->
            SharedInt().use { counter ->
                val children = (1..4).map { Process(IncrementUnderLock(lock, counter, 2_000)).also { it.start() } }
                children.forEach { it.await(); it.join() }
                counter.value shouldBe 8_000
                processPool(workers = 2) { map((1..4).map { IncrementUnderLock(lock, counter, 500) }) }
                counter.value shouldBe 10_000
                lock.isLocked shouldBe false
            }
        }
    }

    test("acquire times out while another process holds the lock; tryAcquire fails; releasing a free lock is an error") {
        Lock().use { lock ->
            Event().use { holding ->
                val holder = Process(HoldLockForever(lock, holding)).also { it.start() }
                withTimeout(30.seconds) { holding.wait() }
                lock.ownerPid shouldBe holder.pid
                lock.tryAcquire() shouldBe false
                lock.acquire(50.milliseconds) shouldBe false
                holder.terminate()
                holder.join()
            }
            lock.release() // the holder's process ended without releasing: any process may release a Lock
            shouldThrow<IllegalStateException> { lock.release() }.message shouldContain "not locked"
        }
    }

    test("a process killed by SIGKILL holding the lock: the next acquirer gets it and is told the owner died") {
        Lock().use { lock ->
            Event().use { holding ->
                val holder = Process(HoldLockForever(lock, holding)).also { it.start() }
                withTimeout(30.seconds) { holding.wait() }
                coroutineScope {
                    val waiting = async { withTimeout(10.seconds) { lock.acquire() } }
                    holder.kill()
                    holder.join()
                    waiting.await() shouldBe true
                }
                lock.previousOwnerDied shouldBe true
                lock.ownerPid shouldBe dev.coproc.internal.os.Pids.current()
                lock.release()
                lock.acquire(1.seconds) shouldBe true
                lock.previousOwnerDied shouldBe false
                lock.release()
            }
        }
    }

    test("a cancelled acquire takes nothing; a wait that gets the lock as its timeout fires still reports it") {
        Lock().use { lock ->
            lock.acquire()
            coroutineScope {
                val waiting = async(start = CoroutineStart.UNDISPATCHED) { lock.acquire() }
                waiting.cancel()
                lock.release()
                lock.isLocked shouldBe false
            }
            repeat(50) {
                lock.acquire()
                coroutineScope {
                    val racing = async { lock.acquire(1.milliseconds) }
                    lock.release()
                    if (racing.await()) lock.release()
                }
                lock.isLocked shouldBe false
            }
        }
    }

    test("RLock: its holder re-enters, others wait; release by a non-holder fails; free after as many releases") {
        RLock().use { lock ->
            lock.acquire()
            lock.acquire() shouldBe true
            lock.holdCount() shouldBe 2
            coroutineScope {
                // A child coroutine is another holder: it cannot get in, nor release.
                async { lock.acquire(20.milliseconds) }.await() shouldBe false
                async { shouldThrow<IllegalStateException> { lock.release() } }.await()
            }
            Process(TryLock(lock)).also { it.start() }.run { await().also { join() } } shouldBe false
            lock.release()
            lock.isLocked shouldBe true
            lock.release()
            lock.isLocked shouldBe false
            shouldThrow<IllegalStateException> { lock.release() }
            Process(TryLock(lock)).also { it.start() }.run { await().also { join() } } shouldBe true
        }
    }

    test("withLock and withPermit run their block exactly once, in place: a val assigned inside is definitely assigned") {
        Lock().use { lock ->
            RLock().use { rLock ->
                Semaphore(1).use { semaphore ->
                    val plain: Int
                    val reentrant: Int
                    val permitted: Int
                    lock.withLock { plain = 1 }
                    rLock.withLock { reentrant = 2 }
                    semaphore.withPermit { permitted = 3 }
                    listOf(plain, reentrant, permitted) shouldBe listOf(1, 2, 3)
                    lock.isLocked shouldBe false
                    rLock.isLocked shouldBe false
                    semaphore.value shouldBe 1L
                }
            }
        }
    }

    test("an RLock whose holding process was killed is taken over, with the owner-died signal") {
        RLock().use { lock ->
            Event().use { holding ->
                val holder = Process(HoldRLockForever(lock, holding)).also { it.start() }
                withTimeout(30.seconds) { holding.wait() }
                holder.kill()
                holder.join()
                withTimeout(10.seconds) { lock.acquire() } // a scoping function: the same holder
                lock.previousOwnerDied shouldBe true
                lock.holdCount() shouldBe 1
                lock.release()
            }
        }
    }

    test("Semaphore(2) lets at most two of five processes in at once; acquire times out at zero permits") {
        Semaphore(2).use { semaphore ->
            SharedInt().use { inside ->
                SharedInt().use { most ->
                    Event().use { go ->
                        val children = (1..5).map { Process(InsideSemaphore(semaphore, inside, most, go)).also { it.start() } }
                        withTimeout(30.seconds) { while (inside.value < 2) kotlinx.coroutines.yield() }
                        semaphore.value shouldBe 0
                        semaphore.acquire(30.milliseconds) shouldBe false
                        semaphore.tryAcquire() shouldBe false
                        go.set()
                        children.forEach { it.await(); it.join() }
                        most.value shouldBe 2
                        semaphore.value shouldBe 2
                    }
                }
            }
        }
    }

    test("BoundedSemaphore refuses a release above its initial value; a plain Semaphore grows") {
        BoundedSemaphore(2).use { bounded ->
            bounded.acquire()
            bounded.release()
            shouldThrow<IllegalStateException> { bounded.release() }.message shouldContain "initial value 2"
            bounded.value shouldBe 2
        }
        Semaphore(0).use { plain ->
            plain.release(3)
            plain.value shouldBe 3
            shouldThrow<IllegalArgumentException> { plain.release(0) }
        }
    }

    test("Event: a child's wait ends on set in the parent; a wait with a timeout returns false; clear") {
        Event().use { event ->
            event.wait(20.milliseconds) shouldBe false
            Process(WaitForEvent(event, millis = 50)).also { it.start() }.run { await().also { join() } } shouldBe false
            val waiter = Process(WaitForEvent(event)).also { it.start() }
            event.set()
            withTimeout(30.seconds) { waiter.await() } shouldBe true
            waiter.join()
            event.isSet shouldBe true
            event.wait() shouldBe true
            event.clear()
            event.isSet shouldBe false
        }
    }

    test("Condition: children wait for a predicate under the lock; notifyAll wakes them; notify needs the lock") {
        Condition().use { condition ->
            SharedInt().use { value ->
                SharedInt().use { waiting ->
                    val children = (1..3).map { Process(AwaitValue(condition, value, 5, waiting)).also { it.start() } }
                    withTimeout(30.seconds) { while (waiting.value < 3) kotlinx.coroutines.yield() }
                    condition.withLock {
                        value.value = 5
                        condition.notifyAll()
                    }
                    children.map { it.await().also { _ -> it.join() } } shouldBe listOf(5, 5, 5)
                }
            }
            shouldThrow<IllegalStateException> { condition.notify() }.message shouldContain "does not hold"
        }
    }

    test("Condition: notify wakes waiters in the order they began; a timed-out wait returns false holding the lock") {
        val lock = Lock()
        Condition(lock).use { condition ->
            condition.withLock {
                condition.wait(20.milliseconds) shouldBe false
            }
            coroutineScope {
                val order = mutableListOf<Int>()
                val waiters = (1..3).map { n ->
                    async(start = CoroutineStart.UNDISPATCHED) {
                        condition.withLock { if (condition.wait(10.seconds)) order += n }
                    }
                }
                repeat(3) {
                    condition.withLock { condition.notify() }
                    withTimeout(10.seconds) { while (order.size <= it) kotlinx.coroutines.yield() }
                }
                waiters.awaitAll()
                order shouldBe listOf(1, 2, 3)
            }
        }
        lock.close()
    }

    test("Condition: a cancelled wait gives its slot back: a later waiter is woken, and cancelled waits never use up the slots") {
        val lock = Lock()
        Condition(lock).use { condition ->
            coroutineScope {
                val cancelled = async(start = CoroutineStart.UNDISPATCHED) { condition.withLock { condition.wait(30.seconds) } }
                cancelled.cancelAndJoin()
                val woken = async(start = CoroutineStart.UNDISPATCHED) { condition.withLock { condition.wait(30.seconds) } }
                condition.withLock { condition.notify(1) } // the cancelled waiter began first: it must not take this
                withTimeout(10.seconds) { woken.await() } shouldBe true
                repeat(Condition.MAX_WAITERS + 10) {
                    async(start = CoroutineStart.UNDISPATCHED) { condition.withLock { condition.wait(30.seconds) } }.cancelAndJoin()
                }
                condition.withLock { condition.wait(1.milliseconds) } shouldBe false
                lock.isLocked shouldBe false
            }
        }
        lock.close()
    }

    test("Condition: a waiter killed by SIGKILL is skipped: notify(1) wakes a live waiter instead") {
        Condition().use { condition ->
            SharedInt().use { waiting ->
                val doomed = Process(WaitOnce(condition, waiting)).also { it.start() }
                withTimeout(30.seconds) { while (waiting.value < 1) kotlinx.coroutines.yield() }
                val live = Process(WaitOnce(condition, waiting)).also { it.start() }
                withTimeout(30.seconds) { while (waiting.value < 2) kotlinx.coroutines.yield() }
                doomed.kill()
                doomed.join()
                condition.withLock { condition.notify(1) } // the dead waiter began first
                withTimeout(10.seconds) { live.await() } shouldBe true
                live.join()
            }
        }
    }

    test("Barrier(3, action) across processes: the action runs once per round, indices are distinct, it serves a next round") {
        SharedInt().use { rounds ->
            Barrier(3, CountRound(rounds)).use { barrier ->
                repeat(2) { round ->
                    val children = (1..2).map { Process(WaitAtBarrier(barrier)).also { it.start() } }
                    val mine = withTimeout(30.seconds) { barrier.wait() }
                    val indices = children.map { it.await().also { _ -> it.join() } } + mine
                    indices shouldContainExactlyInAnyOrder listOf(0, 1, 2)
                    rounds.value shouldBe round + 1
                }
            }
        }
    }

    test("Barrier: a timeout breaks it for every waiter; abort breaks it; reset mends it") {
        Barrier(3).use { barrier ->
            val other = Process(WaitAtBarrierOutcome(barrier)).also { it.start() }
            withTimeout(30.seconds) { while (barrier.waiting < 1) kotlinx.coroutines.yield() }
            shouldThrow<BrokenBarrierException> { barrier.wait(50.milliseconds) }.message shouldContain "timed out"
            withTimeout(30.seconds) { other.await() } shouldBe "broken"
            other.join()
            barrier.isBroken shouldBe true
            shouldThrow<BrokenBarrierException> { barrier.wait() }
            barrier.reset()
            barrier.isBroken shouldBe false
            barrier.abort()
            shouldThrow<BrokenBarrierException> { barrier.wait(1.seconds) }
            barrier.reset()
            coroutineScope {
                val three = (1..3).map { async { barrier.wait(10.seconds) } }
                three.awaitAll() shouldContainExactlyInAnyOrder listOf(0, 1, 2)
            }
        }
    }

    test("Barrier: a waiting party killed by SIGKILL breaks the barrier instead of hanging the others") {
        Barrier(3).use { barrier ->
            val doomed = Process(WaitAtBarrier(barrier)).also { it.start() }
            withTimeout(30.seconds) { while (barrier.waiting < 1) kotlinx.coroutines.yield() }
            coroutineScope {
                val mine = async { runCatching { withTimeout(10.seconds) { barrier.wait() } } }
                withTimeout(30.seconds) { while (barrier.waiting < 2) kotlinx.coroutines.yield() }
                doomed.kill()
                doomed.join()
                mine.await().exceptionOrNull()!!::class shouldBe BrokenBarrierException::class
            }
            barrier.isBroken shouldBe true
        }
    }

    test("reset while parties wait gives them BrokenBarrierException") {
        Barrier(2).use { barrier ->
            coroutineScope {
                val waiting = async(start = CoroutineStart.UNDISPATCHED) { runCatching { barrier.wait(10.seconds) } }
                barrier.waiting shouldBe 1
                barrier.reset()
                waiting.await().exceptionOrNull()!!.message shouldContain "reset"
            }
        }
    }

    test("a barrier action that cannot travel fails at creation") {
        shouldThrow<TaskEncodingException> { Barrier(2, NotSerializableTask()) }
    }
})

/** Not `@Serializable`: cannot be a barrier's action. */
class NotSerializableTask : Task<Unit> {
    override suspend fun run() = Unit
}

