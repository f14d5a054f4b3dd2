package dev.coproc.internal

/** A queue in the manager (Python's `Manager().Queue()`), bounded by [maxSize] (0: unbounded); [joinable] adds taskDone/join. */
internal class QueueState(private val maxSize: Int, private val joinable: Boolean) : ObjectState {
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
