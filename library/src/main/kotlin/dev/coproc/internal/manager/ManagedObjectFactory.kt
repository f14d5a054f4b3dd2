package dev.coproc.internal.manager

import dev.coproc.internal.codec.OperationRunner

/**
 * The manager itself (object 0): makes the objects (answering the new object's id), and keeps the names
 * they are published under. Objects of the program's own registered types are made by [makeCustom], which
 * the public layer gives (it knows their factories).
 */
internal class ManagedObjectFactory(
    private val objects: HashMap<Long, ObjectState>,
    private val makeCustom: (factoryType: String, factory: ByteArray) -> ObjectState,
    private val updates: OperationRunner,
) {
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
        val created: ObjectState = when (kind) {
            "dict" -> DictState(updates).also { putAll(it, args) }
            "list" -> ListState(fixedSize = false, updates).also { fill(it, args) }
            "array" -> ListState(fixedSize = true, updates).also { fill(it, args) }
            "value" -> ValueState(args.single(), updates)
            // args: capacity (Int.MAX_VALUE: unbounded)
            "queue" -> QueueState(positive(ManagerWire.int(args[0])), joinable = false)
            "joinableQueue" -> QueueState(positive(ManagerWire.int(args[0])), joinable = true)
            "lock" -> LockState(reentrant = false)
            "rlock" -> LockState(reentrant = true)
            // args: initial value
            "semaphore" -> SemaphoreState(nonNegative(ManagerWire.int(args[0])), bounded = false)
            "boundedSemaphore" -> SemaphoreState(nonNegative(ManagerWire.int(args[0])), bounded = true)
            "event" -> EventState()
            // args: the id of its lock
            "condition" -> ConditionState(objects[ManagerWire.long(args[0])] as? LockState ?: throw IllegalArgumentException("a condition needs a lock or rlock of the same manager"))
            // args: parties
            // args: the factory's type name and bytes
            "custom" -> makeCustom(args[0].decodeToString(), args[1])
            "barrier" -> BarrierState(ManagerWire.int(args[0]).also { require(it > 0) { "a barrier needs at least one party, not $it" } })
            else -> throw IllegalArgumentException("the manager cannot make a $kind")
        }
        val id = nextId++
        objects[id] = created
        return listOf(ManagerWire.of(id))
    }

    private fun nonNegative(value: Int): Int = value.also { require(it >= 0) { "a semaphore's value cannot be negative ($it)" } }

    private fun positive(capacity: Int): Int = capacity.also { require(it > 0) { "a queue's capacity must be positive: $it" } }

    private suspend fun putAll(dict: DictState, entries: List<ByteArray>) {
        dict.call("putAll", entries, NOBODY)
    }

    private suspend fun fill(list: ListState, items: List<ByteArray>) {
        list.call("init", items, NOBODY)
    }

    private companion object {
        val NOBODY = ManagerSession(0)
    }
}
