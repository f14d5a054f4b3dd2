package dev.coproc

import kotlin.time.Duration.Companion.seconds
import kotlinx.serialization.Serializable

// Tasks written against the engine-neutral interfaces only: the same classes run in worker processes and on
// cluster nodes, with handles of either engine.

/** Adds one to [counter] [times] times; returns the pid that did it. */
@Serializable
class Increment(val counter: SharedCounter, val times: Int) : Task<Long> {
    override suspend fun run(): Long {
        repeat(times) { counter.incrementAndGet() }
        return currentProcess().pid
    }
}

/** Adds one to [counter] [times] times by a read then a write, which only [lock] keeps from losing updates. */
@Serializable
class AddUnderLock(val lock: SharedLock, val counter: SharedCounter, val times: Int) : Task<Unit> {
    override suspend fun run() {
        repeat(times) {
            lock.withLock {
                val read = counter.value
                Thread.yield() // widen the window a missing lock would let another holder in through
                counter.value = read + 1
            }
        }
    }
}

/** Whether [lock] could be taken from here now (given back at once if it could). */
@Serializable
class TryTakeLock(val lock: SharedLock) : Task<Boolean> {
    override suspend fun run(): Boolean = lock.tryAcquire().also { if (it) lock.release() }
}

/** Holds a permit of [semaphore] for [millis], counting the holders inside and the most seen at once. */
@Serializable
class HoldPermit(val semaphore: SharedSemaphore, val inside: SharedCounter, val mostInside: SharedCounter, val millis: Long) : Task<Unit> {
    override suspend fun run() {
        semaphore.withPermit {
            val now = inside.incrementAndGet()
            while (true) {
                val most = mostInside.value
                if (now <= most || mostInside.compareAndSet(most, now)) break
            }
            Thread.sleep(millis) // the work done while holding the permit
            inside.decrementAndGet()
        }
    }
}

/** Puts [count] numbers from [from] in [queue], in order. */
@Serializable
class PutNumbers(val queue: SharedQueue<Int>, val from: Int, val count: Int) : Task<Unit> {
    override suspend fun run() {
        for (item in from until from + count) queue.put(item)
    }
}

/** Takes [count] items from [queue]. */
@Serializable
class TakeItems(val queue: SharedQueue<Int>, val count: Int) : Task<List<Int>> {
    override suspend fun run(): List<Int> = List(count) { queue.get() }
}

/** Says it is waiting (an item in [waiting]), then waits for [event]; returns what the wait returned. */
@Serializable
class AwaitEvent(val event: SharedEvent, val waiting: SharedQueue<Int>) : Task<Boolean> {
    override suspend fun run(): Boolean {
        waiting.put(1)
        return event.wait(60.seconds)
    }
}

/** Meets the other parties at [barrier] [rounds] times; returns its arrival index of each round. */
@Serializable
class MeetAt(val barrier: SharedBarrier, val rounds: Int) : Task<List<Int>> {
    override suspend fun run(): List<Int> = List(rounds) { barrier.wait(60.seconds) }
}
