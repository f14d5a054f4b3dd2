package dev.coproc.internal.pool

import kotlin.time.Duration

/**
 * Why the pool's scheduler did not run an item to its end, besides what its worker reports
 * ([dev.coproc.internal.channel.WorkerFailure]). The public package turns each into its public exception.
 */
internal sealed class PoolFailure(message: String) : Exception(message) {
    /** The pool was terminated before the item ran, or while it ran. */
    class Terminated(message: String) : PoolFailure(message)

    /** The item ran over its [timeout] in [workerName], which was then killed and replaced. */
    class TimedOut(val workerName: String, val pid: Long, val timeout: Duration) :
        PoolFailure("task in $workerName (pid $pid) ran over its timeout of $timeout")
}
