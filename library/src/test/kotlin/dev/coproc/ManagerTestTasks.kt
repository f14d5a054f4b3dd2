package dev.coproc

import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.serialization.Serializable

/** The seeds' worker: writes its pid into the shared dict (under [name]) and the shared list. */
@Serializable
class RecordPid(val dict: ManagedDict<String, Long>, val list: ManagedList<Long>, val name: String) : Task<Unit> {
    override suspend fun run() {
        val pid = ProcessHandle.current().pid()
        dict[name] = pid
        list.append(pid)
    }
}

/** Adds 1 to the dict's "n" [times] times, each a compare-and-set retry loop. */
@Serializable
class CountInDict(val dict: ManagedDict<String, Int>, val times: Int) : Task<Unit> {
    override suspend fun run() = repeat(times) {
        while (true) {
            val current = dict.get("n")
            if (dict.compareAndSet("n", current, (current ?: 0) + 1)) break
        }
    }
}

/** Sets two attributes of [namespace] and removes a third. */
@Serializable
class UpdateNamespace(val namespace: ManagedNamespace) : Task<Unit> {
    override suspend fun run() {
        namespace.set("x", 10)
        namespace.set("label", "set by a child")
        namespace.remove("old")
    }
}

/** Adds [n] to an Int entry (absent counts as 0). */
@Serializable
class AddToEntry(val n: Int) : AtomicUpdate<Int> {
    override fun apply(current: Int?): Int = (current ?: 0) + n
}

/** Removes the entry. */
@Serializable
class RemoveEntry : AtomicUpdate<Int> {
    override fun apply(current: Int?): Int? = null
}

/** Fails inside the manager. */
@Serializable
class FailingOperation : AtomicUpdate<Int> {
    override fun apply(current: Int?): Int = error("refused: $current")
}

/** Not `@Serializable`: cannot travel to the manager. */
class LocalOperation : AtomicUpdate<Int> {
    override fun apply(current: Int?): Int = 0
}

/** Adds 1 to the dict's "n" [times] times with update. */
@Serializable
class UpdateInDict(val dict: ManagedDict<String, Int>, val times: Int) : Task<Unit> {
    override suspend fun run() = repeat(times) { dict.update("n", AddToEntry(1)) }
}

/** Puts [value] squared into the manager queue (the seeds' pool tasks filling a `Manager().Queue()`). */
@Serializable
class PutSquare(val queue: ManagedQueue<Int>, val value: Int) : Task<Unit> {
    override suspend fun run() = queue.put(value * value)
}

/** Takes one item from the queue and returns it. */
@Serializable
class TakeOne(val queue: ManagedQueue<String>) : Task<String> {
    override suspend fun run(): String = queue.get()
}

/** Takes every item of the joinable queue ([count] of them), marking each done. */
@Serializable
class ConsumeJoinable(val queue: ManagedJoinableQueue<Int>, val count: Int) : Task<Int> {
    override suspend fun run(): Int {
        var sum = 0
        repeat(count) {
            sum += queue.get()
            queue.taskDone()
        }
        return sum
    }
}

/** Adds 1 to the value [times] times with a read and a write under the lock (no atomic call). */
@Serializable
class CountUnderLock(val lock: ManagedLock, val value: ManagedValue<Int>, val times: Int) : Task<Unit> {
    override suspend fun run() = repeat(times) {
        lock.withLock { value.set(value.get() + 1) }
    }
}

/** Adds 1 to the value [times] times with update. */
@Serializable
class UpdateValue(val value: ManagedValue<Int>, val times: Int) : Task<Unit> {
    override suspend fun run() = repeat(times) { value.update(AddToEntry(1)) }
}

/** Takes the lock, says so, and waits to be killed. */
@Serializable
class HoldLockUntilKilled(val lock: ManagedLock, val holding: ManagedEvent) : Task<Unit> {
    override suspend fun run() {
        lock.acquire()
        holding.set()
        kotlinx.coroutines.awaitCancellation()
    }
}

/** Waits for the event, at most [timeoutMillis]; returns whether it was set. */
@Serializable
class WaitForManagedEvent(val event: ManagedEvent, val timeoutMillis: Long) : Task<Boolean> {
    override suspend fun run(): Boolean = event.wait(timeoutMillis.milliseconds)
}

/** Waits on the condition until the value reaches [target]; returns the value it saw. */
@Serializable
class WaitForValue(val condition: ManagedCondition, val value: ManagedValue<Int>, val target: Int, val waiting: ManagedEvent) : Task<Int> {
    override suspend fun run(): Int = condition.withLock {
        waiting.set()
        check(condition.waitFor(30.seconds) { value.get() >= target }) { "the condition timed out" }
        value.get()
    }
}

/** Waits at the barrier; returns its arrival index. */
@Serializable
class WaitAtManagedBarrier(val barrier: ManagedBarrier) : Task<Int> {
    override suspend fun run(): Int = barrier.wait(30.seconds)
}

/** Puts a greeting into a queue found through a connected manager. */
@Serializable
class PutGreeting(val queue: ManagedQueue<String>) : Task<Unit> {
    override suspend fun run() = queue.put("hello from a child")
}

/** A registered type: a tally kept in the manager. */
interface Tally {
    suspend fun add(n: Int): Int
    suspend fun total(): Int
    suspend fun label(prefix: String?): String?
    suspend fun history(): List<Int>
    suspend fun refuse(reason: String)
}

/** The tally's implementation, living in the manager process. */
class TallyInManager(private var total: Int) : Tally {
    private val added = ArrayList<Int>()
    override suspend fun add(n: Int): Int {
        added += n
        total += n
        return total
    }
    override suspend fun total(): Int = total
    override suspend fun label(prefix: String?): String? = prefix?.let { "$it $total" }
    override suspend fun history(): List<Int> = added.toList()
    override suspend fun refuse(reason: String) = throw IllegalStateException("refused: $reason")
}

/** Makes a [Tally] in the manager. */
@Serializable
class MakeTally(val start: Int) : ManagedFactory<Tally> {
    override fun create(): Tally = TallyInManager(start)
}

/** A type with a plain function (as a Java interface has): each call blocks its caller for the round trip. */
interface Blocking {
    fun now(): Int
}

/** A type whose function takes what cannot travel: refused when an object of it is made. */
interface Unsendable {
    suspend fun take(thread: Thread)
}

@Serializable
class MakeUnsendable : ManagedFactory<Unsendable> {
    override fun create(): Unsendable = object : Unsendable {
        override suspend fun take(thread: Thread) = Unit
    }
}

@Serializable
class MakeBlocking : ManagedFactory<Blocking> {
    override fun create(): Blocking = object : Blocking { override fun now() = 42 }
}

/** Not @Serializable: cannot be sent to the manager. */
class LocalTallyFactory : ManagedFactory<Tally> {
    override fun create(): Tally = TallyInManager(0)
}

/** Adds 1 to the tally [times] times. */
@Serializable
class AddToTally(val tally: Managed<Tally>, val times: Int) : Task<Unit> {
    override suspend fun run() = repeat(times) { tally.proxy.add(1) }
}

/** Starts a manager, says where (its pid and address), and waits to be killed. */
@Serializable
class StartManagerAndWait(val pid: SharedLong, val address: SharedString, val started: Event) : Task<Unit> {
    override suspend fun run() {
        val manager = Manager.start()
        pid.value = manager.pid!!
        address.value = manager.address
        started.set()
        kotlinx.coroutines.awaitCancellation()
    }
}

/** Keeps standby workers, says which, and waits to be killed (their parent). */
@Serializable
class KeepStandby(val pids: SharedLongArray, val ready: Event) : Task<Unit> {
    override suspend fun run() {
        val standby = StandbyWorkers.start(2)
        check(standby.awaitReady())
        standby.pids.forEachIndexed { i, pid -> pids[i] = pid }
        ready.set()
        kotlinx.coroutines.awaitCancellation()
    }
}
