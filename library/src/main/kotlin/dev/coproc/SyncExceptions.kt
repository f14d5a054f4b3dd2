package dev.coproc

/**
 * A [Barrier] wait ended without the barrier filling: it was broken (a party timed out, was cancelled or
 * died, its action failed, or [Barrier.abort] was called) or [Barrier.reset]. Python's `BrokenBarrierError`.
 */
public class BrokenBarrierException internal constructor(message: String, cause: Throwable? = null) : CoprocException(message, cause)
