package dev.coproc.internal.manager

/** An event in the manager. */
internal class EventState : ObjectState {
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
