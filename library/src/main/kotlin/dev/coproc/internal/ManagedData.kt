package dev.coproc.internal

import dev.coproc.codec.EncodedOperation

/**
 * A shared object as the manager keeps it. Only the manager's one thread calls it, so it needs no locking;
 * a call suspends only when it waits for another (a queue's get, a lock's acquire).
 */
internal interface ManagedObject {
    suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray>

    /** [session]'s process went away (or closed its connection): let go of what it held. */
    fun ended(session: ManagerSession) {}

    /**
     * The answer [values] to [method] never reached its caller (its process went away first): give back what
     * the call took, as the caller itself does for a call it cancelled late (a queue's item, a permit).
     */
    fun undelivered(method: String, values: List<ByteArray>) {}
}

/** The error a call answers with when its method does not exist on its object. */
internal fun noSuchMethod(kind: String, method: String): Nothing = throw IllegalArgumentException("$kind has no method $method")

/** An encoded key: equal when the bytes are. */
private class Key(val bytes: ByteArray) {
    override fun equals(other: Any?) = other is Key && bytes.contentEquals(other.bytes)
    override fun hashCode() = bytes.contentHashCode()
}

/**
 * A dict in the manager: keys and values kept as their clients encoded them, so the manager never decodes a
 * client's type, except in an [dev.coproc.AtomicUpdate] (a declared type).
 */
internal class ManagedDict : ManagedObject {
    private val map = LinkedHashMap<Key, ByteArray>()

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> = when (method) {
        "get" -> listOfNotNull(map[Key(args[0])])
        "set" -> emptyList<ByteArray>().also { map[Key(args[0])] = args[1] }
        "remove" -> listOfNotNull(map.remove(Key(args[0])))
        "containsKey" -> listOf(ManagerWire.of(Key(args[0]) in map))
        "size" -> listOf(ManagerWire.of(map.size))
        "keys" -> map.keys.map { it.bytes }
        "values" -> map.values.toList()
        "items" -> ArrayList<ByteArray>(2 * map.size).also { fields -> map.forEach { (key, value) -> fields += key.bytes; fields += value } }
        "putAll" -> emptyList<ByteArray>().also { for (i in args.indices step 2) map[Key(args[i])] = args[i + 1] }
        "getOrPut" -> listOf(map.getOrPut(Key(args[0])) { args[1] })
        "compareAndSet" -> {
            // args: key, whether an expected value follows, [expected,] new value
            val key = Key(args[0])
            val matches = matches(map[key], ManagerWire.boolean(args[1]), args[2])
            if (matches) map[key] = args.last()
            listOf(ManagerWire.of(matches))
        }
        "update" -> {
            // args: key, update type name, update bytes; the update runs here, between two calls.
            val key = Key(args[0])
            val next = EncodedOperation.apply(args[1].decodeToString(), args[2], map[key])
            if (next == null) map.remove(key) else map[key] = next
            listOfNotNull(next)
        }
        "clear" -> emptyList<ByteArray>().also { map.clear() }
        else -> noSuchMethod("a dict", method)
    }
}

/** Whether [current] is what a compare-and-set expects: [expected] if [expectsValue], else absent. */
private fun matches(current: ByteArray?, expectsValue: Boolean, expected: ByteArray): Boolean =
    if (expectsValue) current != null && current.contentEquals(expected) else current == null

/** A list in the manager, or an array: a list whose size is fixed ([fixedSize]). */
internal class ManagedList(private val fixedSize: Boolean) : ManagedObject {
    private val list = ArrayList<ByteArray>()
    private val kind = if (fixedSize) "an array" else "a list"

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> = when (method) {
        "get" -> listOf(list[ManagerWire.int(args[0])])
        "set" -> listOf(list.set(ManagerWire.int(args[0]), args[1]))
        "size" -> listOf(ManagerWire.of(list.size))
        "snapshot" -> list.toList()
        "update" -> {
            // args: index, update type name, update bytes
            val index = ManagerWire.int(args[0])
            val next = EncodedOperation.apply(args[1].decodeToString(), args[2], list[index])
                ?: throw IllegalArgumentException("an update of an element of $kind returned null")
            list[index] = next
            listOf(next)
        }
        "append", "extend" -> resizing(method) { list.addAll(args); emptyList() }
        "removeAt" -> resizing(method) { listOf(list.removeAt(ManagerWire.int(args[0]))) }
        "clear" -> resizing(method) { list.clear(); emptyList() }
        "init" -> emptyList<ByteArray>().also { list.addAll(args) }
        else -> noSuchMethod(kind, method)
    }

    /** A call that changes the size: an array has none of them. */
    private inline fun resizing(method: String, change: () -> List<ByteArray>): List<ByteArray> {
        if (fixedSize) noSuchMethod(kind, method)
        return change()
    }
}

/** One value in the manager (Python's `Manager().Value`). */
internal class ManagedCell(private var value: ByteArray) : ManagedObject {
    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> = when (method) {
        "get" -> listOf(value)
        "set" -> emptyList<ByteArray>().also { value = args[0] }
        "getAndSet" -> listOf(value).also { value = args[0] }
        "compareAndSet" -> listOf(ManagerWire.of(value.contentEquals(args[0]).also { if (it) value = args[1] }))
        "update" -> {
            value = EncodedOperation.apply(args[0].decodeToString(), args[1], value)
                ?: throw IllegalArgumentException("an update of a value returned null")
            listOf(value)
        }
        else -> noSuchMethod("a value", method)
    }
}

/** An object of a registered type: calls run its interface's functions (see [RemoteInterface]). */
internal class ManagedCustom(private val target: Any, private val calls: RemoteInterface<*>) : ManagedObject {
    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> =
        listOf(calls.invoke(target, method, args))
}
