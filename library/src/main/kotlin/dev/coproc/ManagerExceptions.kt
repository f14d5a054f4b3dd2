package dev.coproc

/** The manager at [address] cannot be reached: it ended (or was killed), or nothing listens there. */
public class ManagerUnavailableException internal constructor(public val address: String, cause: Throwable? = null) :
    CoprocException("the manager at $address is not reachable: ${cause?.message ?: "it ended"}", cause)

/** The manager at [address] refused this key, or answered without proving it knows it. */
public class ManagerAuthenticationException internal constructor(public val address: String, message: String) :
    CoprocException("authentication with the manager at $address failed: $message")

/**
 * A call on a shared object failed in the manager (an index out of bounds, an unknown method...); the object
 * is as it was before the call. [remoteType] names the error.
 */
public class ManagerCallException internal constructor(public val remoteType: String, message: String) :
    CoprocException("$remoteType in the manager: $message")
