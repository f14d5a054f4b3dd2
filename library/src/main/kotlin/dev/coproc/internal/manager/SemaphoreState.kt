package dev.coproc.internal.manager

/** A semaphore in the manager; [bounded]: releasing above its initial value is an error. */
internal class SemaphoreState(private var value: Int, private val bounded: Boolean) : ObjectState {
    private val initial = value
    private val waiters = WaitList<Unit>()

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> = when (method) {
        // args: timeout in ms; answers whether a permit was taken
        "acquire" -> listOf(ManagerWire.of(acquire(ManagerWire.long(args[0]))))
        "release" -> emptyList<ByteArray>().also { repeat(ManagerWire.int(args[0])) { release() } }
        "value" -> listOf(ManagerWire.of(value))
        else -> noSuchMethod("a semaphore", method)
    }

    override fun undelivered(method: String, values: List<ByteArray>) {
        if (method == "acquire" && values.firstOrNull()?.let(ManagerWire::boolean) == true) release()
    }

    private suspend fun acquire(timeoutMillis: Long): Boolean {
        if (value > 0) {
            value--
            return true
        }
        return timeoutMillis != 0L && waiters.await(timeoutMillis) != null
    }

    private fun release() {
        if (waiters.wakeOne { }) return
        if (bounded && value >= initial) throw ManagedStateException("release() of a bounded semaphore above its initial value $initial")
        value++
    }
}
