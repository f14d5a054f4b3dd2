package dev.coproc.internal.manager

import dev.coproc.internal.codec.OperationRunner

/** An encoded key: equal when the bytes are. */
private class Key(val bytes: ByteArray) {
    override fun equals(other: Any?) = other is Key && bytes.contentEquals(other.bytes)
    override fun hashCode() = bytes.contentHashCode()
}

/**
 * A dict in the manager: keys and values kept as their clients encoded them, so the manager never decodes a
 * client's type, except in an [dev.coproc.AtomicUpdate] (a declared type).
 */
internal class DictState(private val updates: OperationRunner) : ObjectState {
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
            val next = updates.apply(args[1].decodeToString(), args[2], map[key])
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
