package dev.coproc.internal

/**
 * The manager itself (object 0): makes the objects (answering the new object's id), and keeps the names
 * they are published under.
 */
internal class ManagedObjectFactory(private val objects: HashMap<Long, ManagedObject>) {
    private var nextId = 1L
    /** Published name to the proxy's kind and encoded handle. */
    private val published = HashMap<String, List<ByteArray>>()

    suspend fun call(method: String, args: List<ByteArray>): List<ByteArray> = when (method) {
        "ping" -> emptyList()
        // args: name, kind, handle
        "publish" -> emptyList<ByteArray>().also { published[args[0].decodeToString()] = listOf(args[1], args[2]) }
        "lookup" -> published[args[0].decodeToString()] ?: emptyList()
        else -> create(method, args)
    }

    private suspend fun create(kind: String, args: List<ByteArray>): List<ByteArray> {
        val created: ManagedObject = when (kind) {
            "dict" -> ManagedDict().also { putAll(it, args) }
            "list" -> ManagedList(fixedSize = false).also { fill(it, args) }
            "array" -> ManagedList(fixedSize = true).also { fill(it, args) }
            "value" -> ManagedCell(args.single())
            // args: maximum size (0: unbounded)
            "queue" -> ManagedQueue(ManagerWire.int(args[0]), joinable = false)
            "joinableQueue" -> ManagedQueue(ManagerWire.int(args[0]), joinable = true)
            "lock" -> ManagedLock(reentrant = false)
            "rlock" -> ManagedLock(reentrant = true)
            // args: initial value
            "semaphore" -> ManagedSemaphore(nonNegative(ManagerWire.int(args[0])), bounded = false)
            "boundedSemaphore" -> ManagedSemaphore(nonNegative(ManagerWire.int(args[0])), bounded = true)
            "event" -> ManagedEvent()
            // args: the id of its lock
            "condition" -> ManagedCondition(objects[ManagerWire.long(args[0])] as? ManagedLock ?: throw IllegalArgumentException("a condition needs a lock or rlock of the same manager"))
            // args: parties
            "barrier" -> ManagedBarrier(ManagerWire.int(args[0]).also { require(it > 0) { "a barrier needs at least one party, not $it" } })
            else -> throw IllegalArgumentException("the manager cannot make a $kind")
        }
        val id = nextId++
        objects[id] = created
        return listOf(ManagerWire.of(id))
    }

    private fun nonNegative(value: Int): Int = value.also { require(it >= 0) { "a semaphore's value cannot be negative ($it)" } }

    private suspend fun putAll(dict: ManagedDict, entries: List<ByteArray>) {
        dict.call("putAll", entries, NOBODY)
    }

    private suspend fun fill(list: ManagedList, items: List<ByteArray>) {
        list.call("init", items, NOBODY)
    }

    private companion object {
        val NOBODY = ManagerSession(0)
    }
}
