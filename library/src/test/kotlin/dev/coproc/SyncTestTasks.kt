package dev.coproc

import kotlinx.coroutines.awaitCancellation
import kotlinx.serialization.Serializable

/** Adds 1 to [counter] [times] times as a read and a separate write, under [lock]: exact only if the lock excludes. */
@Serializable
class IncrementUnderLock(val lock: Lock, val counter: SharedInt, val times: Int) : Task<Unit> {
    override suspend fun run() = repeat(times) {
        lock.withLock { counter.value = counter.value + 1 }
    }
}

/** Adds 1 to [counter] [times] times atomically. */
@Serializable
class IncrementAtomically(val counter: SharedLong, val times: Int) : Task<Unit> {
    override suspend fun run() = repeat(times) { counter.incrementAndGet() }
}

/** Takes [lock], says so through [holding], then holds it until killed. */
@Serializable
class HoldLockForever(val lock: Lock, val holding: Event) : Task<Unit> {
    override suspend fun run() {
        lock.acquire()
        holding.set()
        awaitCancellation()
    }
}

/** Takes [lock] (an RLock) twice, says so through [holding], then holds it until killed. */
@Serializable
class HoldRLockForever(val lock: RLock, val holding: Event) : Task<Unit> {
    override suspend fun run() {
        lock.acquire()
        lock.acquire()
        holding.set()
        awaitCancellation()
    }
}

/** Tries [lock] once; true if it got it (and releases it). */
@Serializable
class TryLock(val lock: RLock) : Task<Boolean> {
    override suspend fun run(): Boolean {
        if (!lock.acquire(kotlin.time.Duration.ZERO)) return false
        lock.release()
        return true
    }
}

/** Inside [semaphore]: counts itself in [inside], records the most seen at once in [most], waits for [go]. */
@Serializable
class InsideSemaphore(val semaphore: Semaphore, val inside: SharedInt, val most: SharedInt, val go: Event) : Task<Unit> {
    override suspend fun run() = semaphore.withPermit {
        val now = inside.incrementAndGet()
        most.update { maxOf(it, now) }
        go.wait()
        inside.decrementAndGet()
        Unit
    }
}

/** Waits for [event] at most [millis] ms; returns what the wait returned. */
@Serializable
class WaitForEvent(val event: Event, val millis: Long = -1) : Task<Boolean> {
    override suspend fun run(): Boolean = if (millis < 0) event.wait() else event.wait(kotlin.time.Duration.parse("${millis}ms"))
}

/** Under [condition]'s lock: says it waits (through [waiting]), waits until [value] reaches [target], returns it. */
@Serializable
class AwaitValue(val condition: Condition, val value: SharedInt, val target: Int, val waiting: SharedInt) : Task<Int> {
    override suspend fun run(): Int = condition.withLock {
        waiting.incrementAndGet()
        condition.waitFor { value.value >= target }
        value.value
    }
}

/** Waits at [barrier]; returns its arrival index. */
@Serializable
class WaitAtBarrier(val barrier: Barrier) : Task<Int> {
    override suspend fun run(): Int = barrier.wait()
}

/** Waits at [barrier]; returns the exception's class name it ended with, or "passed". */
@Serializable
class WaitAtBarrierOutcome(val barrier: Barrier) : Task<String> {
    override suspend fun run(): String = try {
        barrier.wait()
        "passed"
    } catch (e: BrokenBarrierException) {
        "broken"
    }
}

/** A barrier action: counts the rounds in [rounds]. */
@Serializable
class CountRound(val rounds: SharedInt) : Task<Unit> {
    override suspend fun run() {
        rounds.incrementAndGet()
    }
}

/** The seeds' Value/Array example: sets the double to 3.14 and element 1 to 9999. */
@Serializable
class ModifyShared(val number: SharedDouble, val array: SharedIntArray) : Task<Unit> {
    override suspend fun run() {
        number.value = 3.14
        array[1] = 9999
    }
}

/** Adds 1 to each of [indices] of [bytes] [times] times, atomically. */
@Serializable
class BumpBytes(val bytes: SharedByteArray, val indices: List<Int>, val times: Int) : Task<Unit> {
    override suspend fun run() = repeat(times) { indices.forEach { i -> bytes.addAndGet(i, 1) } }
}

/** Creates shared objects, reports the inodes of their memory through [report], then runs until killed. */
@Serializable
class CreateSharedAndHang(val report: Connection<List<String>>) : Task<Unit> {
    override suspend fun run() {
        val objects = listOf(Lock(), SharedInt(), SharedDoubleArray(1000), Barrier(2), ReadOnlyLongArray(1000) { it.toLong() })
        val memfds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd")).use { fds ->
            fds.toList().mapNotNull { fd ->
                val target = runCatching { java.nio.file.Files.readSymbolicLink(fd).toString() }.getOrNull() ?: return@mapNotNull null
                // Not the report pipe's ring, nor the worker's held replies (fd 5): the test's JVM holds them too.
                if (!target.startsWith("/memfd:coproc-") || target.startsWith("/memfd:coproc-pipe") || target.startsWith("/memfd:coproc-held-replies")) {
                    return@mapNotNull null
                }
                (java.nio.file.Files.getAttribute(fd, "unix:ino") as Long).toString()
            }
        }
        report.send(memfds)
        awaitCancellation()
        @Suppress("UNREACHABLE_CODE")
        objects.forEach { it.close() }
    }
}

/** Adds 1 to [counter] [times] times as a read and a separate write, under the value's own lock. */
@Serializable
class IncrementUnderValueLock(val counter: SharedInt, val times: Int) : Task<Unit> {
    override suspend fun run() = repeat(times) {
        counter.withLock { counter.value = counter.value + 1 }
    }
}

/** Under [condition]'s lock: counts itself in [waiting], then waits once; true if notified. */
@Serializable
class WaitOnce(val condition: Condition, val waiting: SharedInt) : Task<Boolean> {
    override suspend fun run(): Boolean = condition.withLock {
        waiting.incrementAndGet()
        condition.wait(kotlin.time.Duration.parse("60s"))
    }
}
