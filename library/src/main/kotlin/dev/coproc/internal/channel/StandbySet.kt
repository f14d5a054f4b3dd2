package dev.coproc.internal.channel

import dev.coproc.internal.codec.EncodedTask
import dev.coproc.internal.codec.FromWorker
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.os.Pids
import dev.coproc.internal.wire.Frame
import dev.coproc.internal.wire.FrameReader
import dev.coproc.internal.wire.Handshake
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.ScheduledThreadPoolExecutor
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlin.time.Duration.Companion.nanoseconds
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory

/**
 * The workers a public `StandbyWorkers` keeps started ahead for one [launch].
 *
 * One daemon thread (the starter) spawns the workers, one at a time, so that starting JVMs never competes with
 * itself. A new worker first runs [warmUp] through the path every task takes (its handshake, a task message,
 * the task decoded and run, the answer read here), so that its first real task finds that path loaded and
 * linked; only then is it counted ready. A worker that ends before it is warm is not replaced (one that cannot
 * start would be restarted forever); one that dies while it waits is dropped and replaced.
 *
 * Every open set is registered: [WorkerChannel.start] asks [take] for a worker whose launch equals its own
 * before it spawns one. A worker taken is replaced once it has ended or [REFILL_DELAY_MILLIS] after it was
 * taken, whichever comes first, so that a JVM starting does not take the CPU from the work just handed out.
 * After [idleTimeout] without a use (a take, or [awaitReady]) the set falls asleep: its waiting workers are
 * ended, and the next use starts them again (that use gets none of them). [close] ends a worker still warming
 * up by closing its command pipe, and the waiting ones likewise, and waits until they are reaped.
 */
internal class StandbySet(
    val count: Int,
    private val launch: WorkerLaunch,
    private val idleTimeout: Duration,
    warmUp: EncodedTask,
) {
    /** The warm-up task's message, with an id below those a worker's owner gives its tasks, so its answer is never mistaken. */
    private val warmUpMessage = WireCodec.encode(warmUp.runMessage(WARM_UP_ID, "standby"))

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
        require(!launch.prefixOutput) { "workers whose output is prefixed by name cannot be started ahead" }
        require(idleTimeout.isPositive()) { "idleTimeout must be positive, not $idleTimeout" }
        repeat(count) { refill() }
        checkIdleAfter(idleTimeout)
    }

    /** The pids of the workers waiting now. */
    val pids: List<Long> get() = ready.map { it.pid.toLong() }

    /** True while the set is asleep: unused for [idleTimeout], its workers ended until the next use. */
    val isAsleep: Boolean get() = asleep

    /**
     * Suspends until [count] workers wait (or [timeout] passes); true if they do. Counts as a use: a set
     * asleep starts its workers again.
     */
    suspend fun awaitReady(timeout: Duration): Boolean {
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
                        ready.toList().forEach { if (ready.remove(it)) it.discard() }
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
                SpawnedWorker.spawn("standby", launch)
            } catch (e: WorkerFailure.StartFailed) {
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
                spawned.discard()
                return@execute
            }
            ready += spawned
            readyCount.value = ready.size
            // A standby worker that dies while it waits is dropped and replaced, never handed out.
            spawned.reaped.whenComplete { _, _ ->
                if (ready.remove(spawned)) {
                    readyCount.value = ready.size
                    spawned.discard()
                    refill()
                }
            }
            if ((closed || asleep) && ready.remove(spawned)) spawned.discard()
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
            spawned.commands.write(Frame.MESSAGE, warmUpMessage)
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
    fun take(wanted: WorkerLaunch): SpawnedWorker? {
        if (closed || !matches(wanted)) return null
        used()
        while (true) {
            val spawned = ready.firstOrNull() ?: return null
            if (!ready.remove(spawned)) continue
            readyCount.value = ready.size
            refillAfter(spawned)
            // Reaping trails death by a moment, and death trails a SIGKILL by more: ask the kernel too.
            if (!spawned.reaped.isDone && !Pids.isEnding(spawned.pid.toLong())) return spawned
            spawned.discard()
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

    private fun matches(wanted: WorkerLaunch): Boolean = wanted == launch

    /** Ends the workers still waiting (they read end-of-file and exit) and returns once they are reaped. */
    fun close() {
        if (closed) return
        closed = true
        registered -= this
        // End-of-file ends a worker still warming up, and with it the starter's wait for its answer.
        warming?.commandFd?.close()
        starter.shutdown()
        starter.awaitTermination(60, TimeUnit.SECONDS)
        val waiting = ready.toList()
        ready.clear()
        waiting.forEach { it.discard() }
        waiting.forEach { runCatching { it.reaped.get(30, TimeUnit.SECONDS) } }
    }

    companion object {
        private val log = LoggerFactory.getLogger(StandbySet::class.java)
        private val registered = CopyOnWriteArrayList<StandbySet>()
        private const val REFILL_DELAY_MILLIS = 250L
        private const val WARM_UP_ID = 0L

        /** Starts a set for [launch] and registers it until its [close]. */
        fun start(count: Int, launch: WorkerLaunch, idleTimeout: Duration, warmUp: EncodedTask): StandbySet =
            StandbySet(count, launch, idleTimeout, warmUp).also { registered += it }

        /** A waiting worker for [launch] from any open set, or null. */
        fun take(launch: WorkerLaunch): SpawnedWorker? {
            if (launch.prefixOutput) return null
            for (set in registered) set.take(launch)?.let { return it }
            return null
        }
    }
}
