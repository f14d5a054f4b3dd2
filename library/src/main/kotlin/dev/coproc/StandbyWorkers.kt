package dev.coproc

import dev.coproc.internal.SpawnedWorker
import dev.coproc.codec.ToWorker
import dev.coproc.codec.WireCodec
import dev.coproc.os.Pids
import dev.coproc.wire.Frame
import dev.coproc.internal.WorkerConnection
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.Executors
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory

/**
 * Worker JVMs started ahead, so that a [Process] or a pool gets one at once instead of waiting a JVM's start:
 * the JVM's answer to `fork` (which it cannot do safely). While it is open, `Process.start()`, a pool's
 * creation and growth, and the replacement of a dead or recycled pool worker take a standby worker whose
 * [options] match theirs (equal fields; `prefixOutput` workers are never kept, their output is labelled by
 * name), and a new one is started in the background to keep [count] ready.
 *
 * Off unless asked for: each standby worker is a JVM holding memory (tens of MiB) and a process slot; only
 * the program knows whether starting processes fast is worth that. A standby worker is a worker like any
 * other: it ends with this JVM, however this JVM ends; one that dies while waiting is never handed out, and is
 * replaced. [close] ends the ones still waiting and returns once they are reaped.
 *
 * ```
 * standbyWorkers(2) {
 *     val p = Process(Work()).also { it.start() }   // takes a worker already running
 * }
 * ```
 */
public class StandbyWorkers private constructor(public val count: Int, public val options: WorkerOptions) : AutoCloseable {
    private val ready = CopyOnWriteArrayList<SpawnedWorker>()
    private val readyCount = MutableStateFlow(0)
    @Volatile private var closed = false
    private val starter = Executors.newSingleThreadExecutor { Thread(it, "coproc-standby").apply { isDaemon = true } }

    init {
        require(count > 0) { "count must be positive, not $count" }
        require(!options.prefixOutput) { "workers whose output is prefixed by name cannot be started ahead" }
        repeat(count) { refill() }
    }

    /** The pids of the workers waiting now. */
    public val pids: List<Long> get() = ready.map { it.pid.toLong() }

    /** Suspends until [count] workers wait (or [timeout] passes); true if they do. */
    public suspend fun awaitReady(timeout: Duration = 60.seconds): Boolean =
        withTimeoutOrNull(timeout) { readyCount.first { it >= count } } != null

    private fun refill() {
        if (closed) return
        starter.execute {
            if (closed) return@execute
            val spawned = try {
                WorkerConnection.spawn("standby", options)
            } catch (e: ProcessStartException) {
                log.warn("cannot start a standby worker: {}", e.message)
                return@execute
            }
            try {
                // Loaded and linked now, the first task's path costs nothing when it comes.
                spawned.commands.write(Frame.MESSAGE, WireCodec.encode(ToWorker.WarmUp))
            } catch (e: java.io.IOException) {
                // Died already: the reaper's notice below drops it.
            }
            ready += spawned
            readyCount.value = ready.size
            // A standby worker that dies while it waits is dropped and replaced, never handed out.
            spawned.reaped.whenComplete { _, _ ->
                if (ready.remove(spawned)) {
                    readyCount.value = ready.size
                    discard(spawned)
                    refill()
                }
            }
            if (closed && ready.remove(spawned)) discard(spawned)
        }
    }

    /** A waiting worker for [wanted], alive now, or null; a new one is started to take its place. */
    internal fun take(wanted: WorkerOptions): SpawnedWorker? {
        if (closed || !matches(wanted)) return null
        while (true) {
            val spawned = ready.firstOrNull() ?: return null
            if (!ready.remove(spawned)) continue
            readyCount.value = ready.size
            refill()
            // Reaping trails death by a moment: ask the kernel too (a pidfd turns readable at exit).
            if (!spawned.reaped.isDone && !Pids.awaitExit(spawned.pid.toLong(), java.time.Duration.ZERO)) return spawned
            discard(spawned)
        }
    }

    private fun matches(wanted: WorkerOptions): Boolean = wanted.startsSameWorkerAs(options)

    /** Ends the workers still waiting (they read end-of-file and exit) and returns once they are reaped. */
    override fun close() {
        if (closed) return
        closed = true
        registered -= this
        starter.shutdown()
        starter.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)
        val waiting = ready.toList()
        ready.clear()
        waiting.forEach { discard(it) }
        waiting.forEach { runCatching { it.reaped.get(30, java.util.concurrent.TimeUnit.SECONDS) } }
    }

    /** Ends a waiting worker: end-of-file on its commands makes it exit; its other pipes close once it has. */
    private fun discard(spawned: SpawnedWorker) {
        spawned.commandFd.close()
        spawned.reaped.whenComplete { status, _ ->
            // Closed only now: a worker still writing its hello into a closed pipe would complain on stderr.
            spawned.replies.close()
            spawned.outputPipes.forEach { pipe -> pipe.forEach { it.close() } }
            spawned.archive.finish(exitedNormally = status?.exited() == true)
        }
    }

    override fun toString(): String = "StandbyWorkers($count, ready ${ready.size})"

    public companion object {
        private val log = LoggerFactory.getLogger(StandbyWorkers::class.java)
        private val registered = CopyOnWriteArrayList<StandbyWorkers>()

        /** Starts keeping [count] workers for [options] ready, until [close]. */
        @JvmStatic
        @JvmOverloads
        public fun start(count: Int, options: WorkerOptions = WorkerOptions.DEFAULT): StandbyWorkers =
            StandbyWorkers(count, options).also { registered += it }

        /** A waiting worker for [options] from any open set, or null. */
        internal fun take(options: WorkerOptions): SpawnedWorker? {
            if (options.prefixOutput) return null
            for (set in registered) set.take(options)?.let { return it }
            return null
        }
    }
}

/** Runs [block] with [count] standby workers for [options] kept ready; they end with it. */
public suspend fun <R> standbyWorkers(count: Int, options: WorkerOptions = WorkerOptions.DEFAULT, block: suspend StandbyWorkers.() -> R): R {
    val standby = StandbyWorkers.start(count, options)
    try {
        return standby.block()
    } finally {
        withContext(NonCancellable + kotlinx.coroutines.Dispatchers.IO) { standby.close() }
    }
}
