package dev.coproc.internal

/** An object of a registered type: calls run its interface's functions (see [RemoteInterface]). */
internal class CustomObjectState(private val target: Any, private val calls: RemoteInterface<*>) : ObjectState {
    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> =
        listOf(calls.invoke(target, method, args))
}
