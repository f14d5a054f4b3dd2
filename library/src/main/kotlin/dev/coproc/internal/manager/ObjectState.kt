package dev.coproc.internal.manager

/**
 * A shared object as the manager keeps it. Only the manager's one thread calls it, so it needs no locking;
 * a call suspends only when it waits for another (a queue's get, a lock's acquire).
 */
internal interface ObjectState {
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

/** Thrown by a manager call that finds the object in a state that refuses it (answered as "IllegalState"). */
internal class ManagedStateException(message: String) : RuntimeException(message)

/** A barrier that is broken or was reset while a party waited (answered as "BrokenBarrier"). */
internal class ManagedBrokenBarrierException(message: String) : RuntimeException(message)
