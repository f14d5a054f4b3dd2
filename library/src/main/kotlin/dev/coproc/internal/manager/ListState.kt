package dev.coproc.internal.manager

import dev.coproc.internal.codec.OperationRunner

/** A list in the manager, or an array: a list whose size is fixed ([fixedSize]). */
internal class ListState(private val fixedSize: Boolean, private val updates: OperationRunner) : ObjectState {
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
            val next = updates.apply(args[1].decodeToString(), args[2], list[index])
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
