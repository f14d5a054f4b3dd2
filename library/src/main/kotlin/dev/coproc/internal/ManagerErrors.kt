package dev.coproc.internal

import dev.coproc.BrokenBarrierException
import dev.coproc.ManagerCallException
import dev.coproc.QueueShutdownException

/** The exception a client raises for an error a manager answered with, named by its type. */
internal object ManagerErrors {
    fun exception(type: String, message: String): Exception = when (type) {
        // The same types the local objects raise for the same misuse, so code handles both alike.
        "IllegalState" -> IllegalStateException(message)
        "BrokenBarrier" -> BrokenBarrierException(message)
        "QueueShutdown" -> QueueShutdownException(drained = false)
        "QueueShutdownDrained" -> QueueShutdownException(drained = true)
        else -> ManagerCallException(type, message)
    }
}
