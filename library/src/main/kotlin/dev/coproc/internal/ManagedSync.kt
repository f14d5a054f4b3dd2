package dev.coproc.internal

import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext

/** Thrown by a manager call that finds the object in a state that refuses it (answered as "IllegalState"). */
internal class ManagedStateException(message: String) : RuntimeException(message)

/** A barrier that is broken or was reset while a party waited (answered as "BrokenBarrier"). */
internal class ManagedBrokenBarrierException(message: String) : RuntimeException(message)

/** A queue in the manager (Python's `Manager().Queue()`), bounded by [maxSize] (0: unbounded); [joinable] adds taskDone/join. */
internal class ManagedQueue(private val maxSize: Int, private val joinable: Boolean) : ManagedObject {
    private class PendingPut(val item: ByteArray)

    private val items = ArrayDeque<ByteArray>()
    private val getters = WaitList<ByteArray>()
    private val putters = WaitList<Unit>()
    private val joiners = WaitList<Unit>()
    private var unfinished = 0L

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> = when (method) {
        // args: item, timeout in ms (< 0: none, 0: do not wait); answers whether it was put
        "put" -> listOf(ManagerWire.of(put(args[0], ManagerWire.long(args[1]))))
        // args: timeout in ms; answers the item, or nothing
        "get" -> listOfNotNull(get(ManagerWire.long(args[0])))
        // A cancelled get's item, back at the head where it was.
        "unget" -> emptyList<ByteArray>().also { unget(args[0]) }
        "size" -> listOf(ManagerWire.of(items.size))
        "taskDone" -> emptyList<ByteArray>().also { taskDone() }
        "join" -> emptyList<ByteArray>().also { if (unfinished > 0) joiners.await(-1) }
        "unfinished" -> listOf(ManagerWire.of(unfinished))
        "waiting" -> listOf(ManagerWire.of(getters.size))
        else -> noSuchMethod(if (joinable) "a joinable queue" else "a queue", method)
    }

    override fun undelivered(method: String, values: List<ByteArray>) {
        if (method == "get") values.firstOrNull()?.let { unget(it) }
    }

    /** An item taken but never delivered, back at the head where it was (or straight to a waiting getter). */
    private fun unget(item: ByteArray) {
        if (!getters.wakeOne { item }) items.addFirst(item)
    }

    private suspend fun put(item: ByteArray, timeoutMillis: Long): Boolean {
        if (getters.wakeOne { item }) return counted()
        if (maxSize <= 0 || items.size < maxSize) {
            items.addLast(item)
            return counted()
        }
        if (timeoutMillis == 0L) return false
        // Full: wait until a get makes room; the get moves this item in itself, so the place cannot be taken.
        return (putters.await(timeoutMillis, PendingPut(item)) != null) && counted()
    }

    private fun counted(): Boolean {
        if (joinable) unfinished++
        return true
    }

    private suspend fun get(timeoutMillis: Long): ByteArray? {
        val item = items.removeFirstOrNull()
        if (item != null) {
            putters.wakeOne { pending -> items.addLast((pending as PendingPut).item) }
            return item
        }
        if (timeoutMillis == 0L) return null
        return getters.await(timeoutMillis)
    }

    private fun taskDone() {
        if (!joinable) noSuchMethod("a queue", "taskDone")
        if (unfinished == 0L) throw ManagedStateException("taskDone() called more times than there were items put")
        if (--unfinished == 0L) joiners.wakeAll(Unit)
    }
}

/**
 * A lock in the manager; [reentrant]: an RLock, held by one holder (a coroutine or thread of a process) any
 * number of times. A lock whose holder's process went away is free again, and its next holder learns it.
 */
internal class ManagedLock(private val reentrant: Boolean) : ManagedObject {
    /** A holder: a process ([session]) and, for an RLock, which of its coroutines or threads ([holder]). */
    private data class Holder(val session: ManagerSession, val holder: Long)

    private var owner: Holder? = null
    private var depth = 0
    private var ownerDied = false
    private val waiters = WaitList<Boolean>()
    private val kind = if (reentrant) "rlock" else "lock"

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> {
        val who = Holder(session, if (reentrant) ManagerWire.long(args[0]) else 0)
        return when (method) {
            // args: holder, timeout in ms; answers whether it was taken, and whether its last holder died holding it
            "acquire" -> acquire(who, ManagerWire.long(args[1])).let { died ->
                listOf(ManagerWire.of(died != null), ManagerWire.of(died == true))
            }
            "release" -> emptyList<ByteArray>().also { release(who) }
            "holdCount" -> listOf(ManagerWire.of(if (owner == who) depth else 0))
            "isLocked" -> listOf(ManagerWire.of(owner != null))
            else -> noSuchMethod("a $kind", method)
        }
    }

    /** Null if not taken in time; else whether the previous holder died holding it. */
    suspend fun acquire(who: Any, timeoutMillis: Long, depth: Int = 1): Boolean? {
        who as Holder
        val current = owner
        if (current == null) return take(who, depth, ownerDied)
        if (reentrant && current == who) {
            this.depth += depth
            return false
        }
        if (timeoutMillis == 0L) return null
        return waiters.await(timeoutMillis, who to depth)
    }

    private fun take(who: Holder, depth: Int, died: Boolean): Boolean {
        owner = who
        this.depth = depth
        ownerDied = false
        return died
    }

    fun release(who: Any) {
        if (owner != who) throw ManagedStateException("release() of a $kind that this ${if (reentrant) "holder" else "process"} does not hold")
        if (--depth == 0) passOn(died = false)
    }

    /** For a condition's wait: lets go of every level [who] holds; returns how many, to take back after. */
    fun releaseAll(who: Any): Int {
        if (owner != who) throw ManagedStateException("wait() on a condition whose lock the caller does not hold")
        val held = depth
        passOn(died = false)
        return held
    }

    fun holds(who: Any): Boolean = owner == who

    fun holderOf(session: ManagerSession, args: List<ByteArray>): Any = Holder(session, if (reentrant) ManagerWire.long(args[0]) else 0)

    private fun passOn(died: Boolean) {
        owner = null
        depth = 0
        @Suppress("UNCHECKED_CAST")
        if (!waiters.wakeOne { next -> (next as Pair<Holder, Int>).let { (who, depth) -> take(who, depth, died) } }) ownerDied = died
    }

    override fun ended(session: ManagerSession) {
        if (owner?.session == session) passOn(died = true)
    }
}

/** A semaphore in the manager; [bounded]: releasing above its initial value is an error. */
internal class ManagedSemaphore(private var value: Int, private val bounded: Boolean) : ManagedObject {
    private val initial = value
    private val waiters = WaitList<Unit>()

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> = when (method) {
        // args: timeout in ms; answers whether a permit was taken
        "acquire" -> listOf(ManagerWire.of(acquire(ManagerWire.long(args[0]))))
        "release" -> emptyList<ByteArray>().also { repeat(ManagerWire.int(args[0])) { release() } }
        "value" -> listOf(ManagerWire.of(value))
        else -> noSuchMethod("a semaphore", method)
    }

    override fun undelivered(method: String, values: List<ByteArray>) {
        if (method == "acquire" && values.firstOrNull()?.let(ManagerWire::boolean) == true) release()
    }

    private suspend fun acquire(timeoutMillis: Long): Boolean {
        if (value > 0) {
            value--
            return true
        }
        return timeoutMillis != 0L && waiters.await(timeoutMillis) != null
    }

    private fun release() {
        if (waiters.wakeOne { }) return
        if (bounded && value >= initial) throw ManagedStateException("release() of a bounded semaphore above its initial value $initial")
        value++
    }
}

/** An event in the manager. */
internal class ManagedEvent : ManagedObject {
    private var flag = false
    private val waiters = WaitList<Unit>()

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> = when (method) {
        "set" -> emptyList<ByteArray>().also { flag = true; waiters.wakeAll(Unit) }
        "clear" -> emptyList<ByteArray>().also { flag = false }
        "isSet" -> listOf(ManagerWire.of(flag))
        // args: timeout in ms; answers whether it is set
        "wait" -> listOf(ManagerWire.of(flag || waiters.await(ManagerWire.long(args[0])) != null))
        else -> noSuchMethod("an event", method)
    }
}

/** A condition in the manager, over a [lock] of the same manager. */
internal class ManagedCondition(private val lock: ManagedLock) : ManagedObject {
    private val waiters = WaitList<Unit>()

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> {
        // args: the holder (for an RLock; any for a Lock), then the method's own
        val who = lock.holderOf(session, args)
        return when (method) {
            "wait" -> listOf(ManagerWire.of(wait(who, ManagerWire.long(args[1]))))
            "notify" -> emptyList<ByteArray>().also { notify(who, ManagerWire.int(args[1])) }
            "notifyAll" -> emptyList<ByteArray>().also { notify(who, Int.MAX_VALUE) }
            else -> noSuchMethod("a condition", method)
        }
    }

    /** True if notified; false on timeout. Either way, and even cancelled, it returns holding the lock again. */
    private suspend fun wait(who: Any, timeoutMillis: Long): Boolean {
        val held = lock.releaseAll(who)
        try {
            return waiters.await(timeoutMillis) != null
        } finally {
            withContext(NonCancellable) { lock.acquire(who, -1, held) }
        }
    }

    private fun notify(who: Any, count: Int) {
        if (!lock.holds(who)) throw ManagedStateException("notify() on a condition whose lock the caller does not hold")
        var left = count
        while (left-- > 0 && waiters.wakeOne { }) Unit
    }
}

/** A barrier in the manager for [parties] parties. */
internal class ManagedBarrier(private val parties: Int) : ManagedObject {
    private val waiters = WaitList<Boolean>()
    private var broken = false

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> = when (method) {
        // args: timeout in ms; answers the party's arrival index (0 for the first, parties - 1 for the last)
        "wait" -> listOf(ManagerWire.of(await(ManagerWire.long(args[0]))))
        "abort" -> emptyList<ByteArray>().also { breakIt() }
        "reset" -> emptyList<ByteArray>().also { breakIt(); broken = false }
        "waiting" -> listOf(ManagerWire.of(waiters.size))
        "isBroken" -> listOf(ManagerWire.of(broken))
        else -> noSuchMethod("a barrier", method)
    }

    private suspend fun await(timeoutMillis: Long): Int {
        if (broken) throw ManagedBrokenBarrierException("the barrier is broken")
        val index = waiters.size
        if (index == parties - 1) {
            waiters.wakeAll(true)
            return index
        }
        val filled = try {
            waiters.await(timeoutMillis)
        } catch (e: Throwable) {
            // A party cancelled (or gone with its process) breaks the barrier for the others, as a timeout does.
            breakIt()
            throw e
        }
        when (filled) {
            true -> return index
            false -> throw ManagedBrokenBarrierException("the barrier was broken or reset while this party waited")
            null -> {
                breakIt()
                throw ManagedBrokenBarrierException("the barrier timed out after $timeoutMillis ms with ${index + 1} of $parties parties")
            }
        }
    }

    private fun breakIt() {
        broken = true
        waiters.wakeAll(false)
    }
}
