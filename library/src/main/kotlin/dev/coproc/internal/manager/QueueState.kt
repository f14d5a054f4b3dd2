package dev.coproc.internal.manager

/**
 * A queue in the manager (Python's `Manager().Queue()`), holding at most [capacity] items; [joinable] adds
 * taskDone/join. Once shut down, puts fail and gets drain what is left, then fail.
 */
internal class QueueState(private val capacity: Int, private val joinable: Boolean) : ObjectState {
    private class PendingPut(val item: ByteArray)

    private val items = ArrayDeque<ByteArray>()
    private val getters = WaitList<ByteArray>()
    /** Waiting puts learn whether their item went in (true) or the queue was shut down (false). */
    private val putters = WaitList<Boolean>()
    private val joiners = WaitList<Unit>()
    private var unfinished = 0
    private var shutDown = false

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> = when (method) {
        // args: item, timeout in ms (< 0: none, 0: do not wait); answers whether it was put
        "put" -> listOf(ManagerWire.of(put(args[0], ManagerWire.long(args[1]))))
        // args: timeout in ms; answers the item, or nothing
        "get" -> listOfNotNull(get(ManagerWire.long(args[0])))
        // A cancelled get's item, back at the head where it was.
        "unget" -> emptyList<ByteArray>().also { unget(args[0]) }
        "size" -> listOf(ManagerWire.of(items.size))
        "capacity" -> listOf(ManagerWire.of(capacity))
        "taskDone" -> emptyList<ByteArray>().also { taskDone() }
        "join" -> emptyList<ByteArray>().also { if (unfinished > 0) joiners.await(-1) }
        "unfinished" -> listOf(ManagerWire.of(unfinished))
        "waiting" -> listOf(ManagerWire.of(getters.size))
        "shutdown" -> emptyList<ByteArray>().also { shutdown() }
        "isShutdown" -> listOf(ManagerWire.of(shutDown))
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
        if (shutDown) throw QueueShutDownState(drained = false)
        if (getters.wakeOne { item }) return counted()
        if (items.size < capacity) {
            items.addLast(item)
            return counted()
        }
        if (timeoutMillis == 0L) return false
        // Full: wait until a get makes room; the get moves this item in itself, so the place cannot be taken.
        val moved = putters.await(timeoutMillis, PendingPut(item)) ?: return false
        if (!moved) throw QueueShutDownState(drained = false)
        return counted()
    }

    private fun counted(): Boolean {
        if (joinable) unfinished++
        return true
    }

    private suspend fun get(timeoutMillis: Long): ByteArray? {
        val item = items.removeFirstOrNull()
        if (item != null) {
            putters.wakeOne { pending -> items.addLast((pending as PendingPut).item); true }
            return item
        }
        if (shutDown) throw QueueShutDownState(drained = true)
        if (timeoutMillis == 0L) return null
        val given = getters.await(timeoutMillis)
        if (given === SHUT_DOWN) throw QueueShutDownState(drained = true)
        return given
    }

    /** Ends the input: waiting puts fail, and so do waiting gets (they wait only while the queue is empty). */
    private fun shutdown() {
        shutDown = true
        putters.wakeAll(false)
        getters.wakeAll(SHUT_DOWN)
    }

    private fun taskDone() {
        if (!joinable) noSuchMethod("a queue", "taskDone")
        if (unfinished == 0) throw ManagedStateException("taskDone() called more times than there were items put")
        if (--unfinished == 0) joiners.wakeAll(Unit)
    }

    private companion object {
        /** What a waiting get is handed when the queue is shut down (compared by identity). */
        val SHUT_DOWN = ByteArray(0)
    }
}

/** A put into a shut-down queue, or a get from one that is also empty ([drained]). */
internal class QueueShutDownState(val drained: Boolean) :
    RuntimeException(if (drained) "the queue is shut down and every item was taken" else "the queue is shut down: no more items can be put")
