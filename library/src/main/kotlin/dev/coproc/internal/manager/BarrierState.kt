package dev.coproc.internal.manager

/** A barrier in the manager for [parties] parties. */
internal class BarrierState(private val parties: Int) : ObjectState {
    private val waiters = WaitList<Boolean>()
    private var broken = false

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> = when (method) {
        // args: timeout in ms; answers the party's arrival index (0 for the first, parties - 1 for the last)
        "wait" -> listOf(ManagerWire.of(await(ManagerWire.long(args[0]))))
        "abort" -> emptyList<ByteArray>().also { breakIt() }
        "reset" -> emptyList<ByteArray>().also { breakIt(); broken = false }
        "waiting" -> listOf(ManagerWire.of(waiters.size))
        "isBroken" -> listOf(ManagerWire.of(broken))
        else -> noSuchMethod("a barrier", method)
    }

    private suspend fun await(timeoutMillis: Long): Int {
        if (broken) throw ManagedBrokenBarrierException("the barrier is broken")
        val index = waiters.size
        if (index == parties - 1) {
            waiters.wakeAll(true)
            return index
        }
        val filled = try {
            waiters.await(timeoutMillis)
        } catch (e: Throwable) {
            // A party cancelled (or gone with its process) breaks the barrier for the others, as a timeout does.
            breakIt()
            throw e
        }
        when (filled) {
            true -> return index
            false -> throw ManagedBrokenBarrierException("the barrier was broken or reset while this party waited")
            null -> {
                breakIt()
                throw ManagedBrokenBarrierException("the barrier timed out after $timeoutMillis ms with ${index + 1} of $parties parties")
            }
        }
    }

    private fun breakIt() {
        broken = true
        waiters.wakeAll(false)
    }
}
