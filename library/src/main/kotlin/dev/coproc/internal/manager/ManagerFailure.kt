package dev.coproc.internal.manager

/** What a manager call can fail with, before the public layer names it (see `Failures.kt` in `dev.coproc`). */
internal sealed class ManagerFailure(message: String, cause: Throwable? = null) : Exception(message, cause) {
    /** Nothing answers at [address] any more, or the connection broke ([cause], when known). */
    class Unavailable(val address: String, cause: Throwable? = null) : ManagerFailure("the manager at $address is not reachable", cause)

    /** The manager at [address] refused this process's key. */
    class Refused(val address: String, val reason: String) : ManagerFailure(reason)

    /** The manager answered the call with an error of kind [type] (see `ObjectState`'s answers). */
    class Answered(val type: String, val reason: String) : ManagerFailure(reason)
}
