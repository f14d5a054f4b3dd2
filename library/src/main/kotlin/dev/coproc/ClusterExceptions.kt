package dev.coproc

/** A cluster node could not start or join (ports taken, no server at the given addresses, flags missing). */
public class ClusterStartException internal constructor(message: String, cause: Throwable? = null) : CoprocException(message, cause)

/** A task could not run on the cluster: no server node is left to run it, or the cluster failed it. */
public class ClusterUnavailableException internal constructor(message: String, cause: Throwable? = null) : CoprocException(message, cause)
