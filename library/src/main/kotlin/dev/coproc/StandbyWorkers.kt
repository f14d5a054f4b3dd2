package dev.coproc

import dev.coproc.internal.channel.StandbySet
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext

/**
 * Worker JVMs started ahead, so that a [Process] or a pool gets one at once instead of waiting a JVM's start:
 * the JVM's answer to `fork` (which it cannot do safely). While the set is open, `Process.start()`, a pool's
 * creation and the replacement of a dead or recycled pool worker take a waiting worker whose [options] equal
 * theirs, and the set starts another in the background to keep [count] ready. A worker taken from the set
 * behaves exactly as one started for the task. Workers with `prefixOutput` are never kept (their output is
 * labelled with the name of the process they become).
 *
 * Off unless asked for: each waiting worker is a JVM holding memory (tens of MiB) and a process slot; only the
 * program knows whether starting processes fast is worth that. With an [idleTimeout], a set that goes unused
 * that long ends its waiting workers, and starts them again at its next use. Waiting workers end with this JVM,
 * however it ends; one that dies while waiting is never handed out. [close] ends the ones still waiting and
 * returns once they are reaped; workers already taken are not affected.
 *
 * ```
 * standbyWorkers(2) {
 *     val p = Process(Work()).also { it.start() }   // takes a worker already running
 * }
 * ```
 */
public class StandbyWorkers private constructor(
    public val count: Int,
    public val options: WorkerOptions,
    /** How long the set may go unused before its waiting workers are ended (the next use starts them again). */
    public val idleTimeout: Duration,
) : AutoCloseable {
    private val set = StandbySet.start(count, options.launch, idleTimeout, WarmUpTask.encoded)

    /** The pids of the workers waiting now. */
    public val pids: List<Long> get() = set.pids

    /** True while the set is asleep: unused for [idleTimeout], its workers ended until the next use. */
    public val isAsleep: Boolean get() = set.isAsleep

    /**
     * Suspends until [count] workers wait (or [timeout] passes); true if they do. Counts as a use: a set
     * asleep starts its workers again.
     */
    public suspend fun awaitReady(timeout: Duration = 60.seconds): Boolean = set.awaitReady(timeout)

    /** Ends the workers still waiting (they read end-of-file and exit) and returns once they are reaped. */
    override fun close() {
        set.close()
    }

    override fun toString(): String = "StandbyWorkers($count, ready ${set.pids.size}${if (set.isAsleep) ", asleep" else ""})"

    public companion object {
        /**
         * Starts keeping [count] workers for [options] ready, until [close]; after [idleTimeout] without a use
         * (a worker taken, or [awaitReady]), the waiting workers are ended until the next use.
         */
        @JvmStatic
        @JvmOverloads
        public fun start(count: Int, options: WorkerOptions = WorkerOptions.DEFAULT, idleTimeout: Duration = Duration.INFINITE): StandbyWorkers =
            StandbyWorkers(count, options, idleTimeout)

        /** [start] for Java callers, with a `java.time` idle timeout. */
        @JvmStatic
        public fun start(count: Int, options: WorkerOptions, idleTimeout: java.time.Duration): StandbyWorkers =
            start(count, options, idleTimeout.toKotlinDuration())
    }
}

/** Runs [block] with [count] standby workers for [options] kept ready; they end with it. */
public suspend fun <R> standbyWorkers(
    count: Int,
    options: WorkerOptions = WorkerOptions.DEFAULT,
    idleTimeout: Duration = Duration.INFINITE,
    block: suspend StandbyWorkers.() -> R,
): R {
    val standby = StandbyWorkers.start(count, options, idleTimeout)
    try {
        return standby.block()
    } finally {
        withContext(NonCancellable + kotlinx.coroutines.Dispatchers.IO) { standby.close() }
    }
}
