package dev.coproc

import dev.coproc.internal.SpawnedWorker
import dev.coproc.codec.EncodedTask
import dev.coproc.codec.FromWorker
import dev.coproc.codec.ToWorker
import dev.coproc.codec.WireCodec
import dev.coproc.os.Pids
import dev.coproc.worker.WarmUpTask
import dev.coproc.wire.Frame
import dev.coproc.wire.FrameReader
import dev.coproc.wire.Handshake
import dev.coproc.internal.WorkerConnection
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.ScheduledThreadPoolExecutor
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlin.time.Duration.Companion.nanoseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration
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
 * name), and a new one is started in the background to keep [count] ready: once the worker taken has ended, or
 * a quarter of a second after it was taken, so that a JVM starting does not take the CPU from the work just
 * handed out. A standby worker waits warmed up: it has run a no-op task through the path every task takes.
 *
 * Off unless asked for: each standby worker is a JVM holding memory (tens of MiB) and a process slot; only
 * the program knows whether starting processes fast is worth that. With an [idleTimeout], a set that goes
 * unused that long ends its waiting workers, and starts them again at its next use. A standby worker is a worker like any
 * other: it ends with this JVM, however this JVM ends; one that dies while waiting is never handed out, and is
 * replaced. [close] ends the ones still waiting and returns once they are reaped.
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
    private val ready = CopyOnWriteArrayList<SpawnedWorker>()
    private val readyCount = MutableStateFlow(0)
    @Volatile private var closed = false
    @Volatile private var warming: SpawnedWorker? = null
    @Volatile private var lastUse = System.nanoTime()
    @Volatile private var asleep = false
    private val awaiting = AtomicInteger()
    private val starter = ScheduledThreadPoolExecutor(1) { Thread(it, "coproc-standby").apply { isDaemon = true } }.apply {
        executeExistingDelayedTasksAfterShutdownPolicy = false
    }

    init {
        require(count > 0) { "count must be positive, not $count" }
        require(!options.prefixOutput) { "workers whose output is prefixed by name cannot be started ahead" }
        require(idleTimeout.isPositive()) { "idleTimeout must be positive, not $idleTimeout" }
        repeat(count) { refill() }
        checkIdleAfter(idleTimeout)
    }

    /** The pids of the workers waiting now. */
    public val pids: List<Long> get() = ready.map { it.pid.toLong() }

    /** True while the set is asleep: unused for [idleTimeout], its workers ended until the next use. */
    public val isAsleep: Boolean get() = asleep

    /**
     * Suspends until [count] workers wait (or [timeout] passes); true if they do. Counts as a use: a set
     * asleep starts its workers again.
     */
    public suspend fun awaitReady(timeout: Duration = 60.seconds): Boolean {
        used()
        awaiting.incrementAndGet()
        try {
            return withTimeoutOrNull(timeout) { readyCount.first { it >= count } } != null
        } finally {
            awaiting.decrementAndGet()
            lastUse = System.nanoTime()
        }
    }

    /** Notes a use; a set asleep starts its workers again (the use that woke it gets none of them). */
    private fun used() {
        lastUse = System.nanoTime()
        if (!asleep) return
        synchronized(this) {
            if (!asleep || closed) return
            asleep = false
            repeat(count) { refill() }
            checkIdleAfter(idleTimeout)
        }
    }

    /** Ends the waiting workers once the set has gone unused for [idleTimeout]; checks again [delay] from now. */
    private fun checkIdleAfter(delay: Duration) {
        if (idleTimeout.isInfinite() || closed) return
        starter.schedule({
            val unused = (System.nanoTime() - lastUse).nanoseconds
            synchronized(this) {
                when {
                    closed || asleep -> Unit
                    // Someone waits for the set to fill: it is in use, however long its workers take to start.
                    awaiting.get() > 0 -> checkIdleAfter(idleTimeout)
                    unused < idleTimeout -> checkIdleAfter(idleTimeout - unused)
                    else -> {
                        asleep = true
                        ready.toList().forEach { if (ready.remove(it)) discard(it) }
                        readyCount.value = ready.size
                    }
                }
            }
        }, delay.inWholeMilliseconds.coerceAtLeast(1), TimeUnit.MILLISECONDS)
    }

    private fun refill() {
        if (closed || asleep) return
        starter.execute {
            if (closed || asleep) return@execute
            val spawned = try {
                WorkerConnection.spawn("standby", options)
            } catch (e: ProcessStartException) {
                log.warn("cannot start a standby worker: {}", e.message)
                return@execute
            }
            warming = spawned
            if (closed) spawned.commandFd.close() // close() came between the spawn and the line above
            // Counted ready only once warm: a worker still starting would take its first task no faster than a
            // new one, and it still needs the CPU the taker's work wants.
            val warm = try {
                warmUp(spawned)
            } finally {
                warming = null
            }
            if (!warm) {
                // Not replaced: a worker that cannot start (bad JVM options...) would be restarted forever.
                if (!closed) log.warn("standby worker (pid {}) ended before it was ready; not replaced", spawned.pid)
                discard(spawned)
                return@execute
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
            if ((closed || asleep) && ready.remove(spawned)) discard(spawned)
        }
    }

    /**
     * Reads [spawned]'s handshake and has it run a no-op task through the path every task takes, so that its
     * first real one finds that path loaded and linked; waits for the result. False when the worker ended
     * first. [close] ends the wait by ending the worker.
     */
    private fun warmUp(spawned: SpawnedWorker): Boolean {
        val peer = "standby worker (pid ${spawned.pid})"
        return try {
            spawned.commands.write(Frame.MESSAGE, WARM_UP)
            val reader = FrameReader(spawned.replyStream, spawned.maxFrameSize, peer)
            Handshake.receive(reader, peer)
            val answer = reader.read() ?: return false
            val message = if (answer.kind() == Frame.MESSAGE) WireCodec.decodeFromWorker(answer.payload()) else null
            check(message is FromWorker.Succeeded && message.id == WARM_UP_ID) { "$peer answered its warm-up task with something else" }
            spawned.greeted = true
            true
        } catch (e: Exception) {
            if (!closed) log.warn("{}: {}", peer, e.message)
            false
        }
    }

    /** A waiting worker for [wanted], alive now, or null; a new one is started to take its place. */
    internal fun take(wanted: WorkerOptions): SpawnedWorker? {
        if (closed || !matches(wanted)) return null
        used()
        while (true) {
            val spawned = ready.firstOrNull() ?: return null
            if (!ready.remove(spawned)) continue
            readyCount.value = ready.size
            refillAfter(spawned)
            // Reaping trails death by a moment, and death trails a SIGKILL by more: ask the kernel too.
            if (!spawned.reaped.isDone && !Pids.isEnding(spawned.pid.toLong())) return spawned
            discard(spawned)
        }
    }

    /**
     * Starts a replacement for [taken] once it has ended or after [REFILL_DELAY_MILLIS], whichever comes
     * first: a JVM starting at once would take the CPU (a core and more, for a fifth of a second) from the very
     * work [taken] was handed out for, just as it begins.
     */
    private fun refillAfter(taken: SpawnedWorker) {
        val later = starter.schedule({ refill() }, REFILL_DELAY_MILLIS, TimeUnit.MILLISECONDS)
        taken.reaped.whenComplete { _, _ -> if (later.cancel(false)) refill() }
    }

    private fun matches(wanted: WorkerOptions): Boolean = wanted.startsSameWorkerAs(options)

    /** Ends the workers still waiting (they read end-of-file and exit) and returns once they are reaped. */
    override fun close() {
        if (closed) return
        closed = true
        registered -= this
        // End-of-file ends a worker still warming up, and with it the starter's wait for its answer.
        warming?.commandFd?.close()
        starter.shutdown()
        starter.awaitTermination(60, TimeUnit.SECONDS)
        val waiting = ready.toList()
        ready.clear()
        waiting.forEach { discard(it) }
        waiting.forEach { runCatching { it.reaped.get(30, TimeUnit.SECONDS) } }
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

    override fun toString(): String = "StandbyWorkers($count, ready ${ready.size}${if (asleep) ", asleep" else ""})"

    public companion object {
        private val log = LoggerFactory.getLogger(StandbyWorkers::class.java)
        private val registered = CopyOnWriteArrayList<StandbyWorkers>()
        private const val REFILL_DELAY_MILLIS = 250L

        /** Below the ids a worker's owner gives its tasks (from 1), so its answer can never be mistaken. */
        private const val WARM_UP_ID = 0L
        private val WARM_UP: ByteArray by lazy {
            val task = EncodedTask.of(WarmUpTask())
            WireCodec.encode(ToWorker.Run(WARM_UP_ID, "standby", task.typeName, task.bytes, exitAfter = false))
        }

        /**
         * Starts keeping [count] workers for [options] ready, until [close]; after [idleTimeout] without a use
         * (a worker taken, or [awaitReady]), the waiting workers are ended until the next use.
         */
        @JvmStatic
        @JvmOverloads
        public fun start(count: Int, options: WorkerOptions = WorkerOptions.DEFAULT, idleTimeout: Duration = Duration.INFINITE): StandbyWorkers =
            StandbyWorkers(count, options, idleTimeout).also { registered += it }

        /** [start] for Java callers, with a `java.time` idle timeout. */
        @JvmStatic
        public fun start(count: Int, options: WorkerOptions, idleTimeout: java.time.Duration): StandbyWorkers =
            start(count, options, idleTimeout.toKotlinDuration())

        /** A waiting worker for [options] from any open set, or null. */
        internal fun take(options: WorkerOptions): SpawnedWorker? {
            if (options.prefixOutput) return null
            for (set in registered) set.take(options)?.let { return it }
            return null
        }
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
