package dev.coproc.internal.manager

import dev.coproc.internal.codec.OperationRunner

/** One value in the manager (Python's `Manager().Value`). */
internal class ValueState(private var value: ByteArray, private val updates: OperationRunner) : ObjectState {
    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> = when (method) {
        "get" -> listOf(value)
        "set" -> emptyList<ByteArray>().also { value = args[0] }
        "getAndSet" -> listOf(value).also { value = args[0] }
        "compareAndSet" -> listOf(ManagerWire.of(value.contentEquals(args[0]).also { if (it) value = args[1] }))
        "update" -> {
            value = updates.apply(args[0].decodeToString(), args[1], value)
                ?: throw IllegalArgumentException("an update of a value returned null")
            listOf(value)
        }
        else -> noSuchMethod("a value", method)
    }
}
