package dev.coproc

import dev.coproc.codec.EncodedTask
import dev.coproc.codec.FromWorker
import dev.coproc.codec.ToWorker
import dev.coproc.internal.Leases
import dev.coproc.internal.Payload
import dev.coproc.internal.PoolFront
import dev.coproc.internal.PoolWorker
import dev.coproc.internal.WorkItem
import dev.coproc.internal.WorkQueue
import dev.coproc.internal.WorkerEnd
import dev.coproc.internal.BlockingIterator
import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration
import kotlin.time.TimeMark
import kotlin.time.TimeSource
import kotlin.time.toKotlinDuration
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.future.asCompletableFuture
import kotlinx.coroutines.future.future
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull

/**
 * The local [Pool]: worker JVMs on this machine, fed through OS pipes.
 *
 * Each worker slot takes the next queued item as soon as its worker is idle, so one slow task never holds up
 * the others. Chunks of a map are the exception that pays: a worker is sent its next chunk while it still
 * runs the current one, and starts it with no round trip through this process (a worker that dies first
 * hands the waiting chunk back to its slot, unstarted). Create it with [processPool] (scoped) or
 * [ProcessPool.create].
 */
public class ProcessPool private constructor(private val options: PoolOptions) : Pool {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("coproc-pool"))
    private val queue = WorkQueue()
    private val ids = AtomicLong()
    private val front = PoolFront(options.workers, options.taskTimeout, scope, options.workerOptions.maxFrameSize, ::submit, resends = options.retries > 0)

    @Volatile
    private var state = State.OPEN

    // Last: the slots start running at once, on other threads, and read the fields above.
    private val slots = List(options.workers) { Slot() }
    // Unconfined: a slot runs on the thread that wakes it (the submitting caller, or the reader thread that
    // got its worker's reply), so a task reaches its worker's pipe with no thread hand-off on the way.
    private val slotJobs = slots.map { slot -> scope.launch(Dispatchers.Unconfined) { slot.loop() } }

    private enum class State { OPEN, CLOSED, TERMINATED }

    /** The number of worker processes. */
    public val workers: Int get() = options.workers

    /** The pids of the workers running now (a replaced worker's pid changes). */
    public fun workerPids(): List<Long> = slots.mapNotNull { slot -> slot.worker?.takeIf { !it.ended.isCompleted }?.pid }

    override suspend fun <R> apply(task: Task<R>, timeout: Duration?): R = front.apply(task, timeout)

    override fun <R> applyAsync(task: Task<R>, timeout: Duration?): Deferred<R> = front.applyAsync(task, timeout)

    override suspend fun <T, R> map(
        items: Iterable<T>,
        function: TaskFunction<T, R>,
        chunkSize: Int,
        onProgress: ((Progress) -> Unit)?,
    ): List<R> = front.map(items, function, chunkSize, onProgress)

    override suspend fun <A, B, R> starmap(
        items: Iterable<Pair<A, B>>,
        function: TaskFunction2<A, B, R>,
        chunkSize: Int,
        onProgress: ((Progress) -> Unit)?,
    ): List<R> = front.starmap(items, function, chunkSize, onProgress)

    override suspend fun <R> map(tasks: Iterable<Task<R>>, chunkSize: Int, onProgress: ((Progress) -> Unit)?): List<R> =
        front.map(tasks, chunkSize, onProgress)

    override fun <T, R> imap(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int): Flow<R> =
        front.imap(items, function, chunkSize)

    override fun <T, R> imapUnordered(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int): Flow<R> =
        front.imapUnordered(items, function, chunkSize)

    override fun close() {
        synchronized(this) {
            if (state == State.OPEN) state = State.CLOSED
        }
        queue.close()
    }

    override fun terminate() {
        synchronized(this) {
            if (state == State.TERMINATED) return
            state = State.TERMINATED
        }
        for (item in queue.drain()) {
            if (item.claim()) item.fail(PoolTerminatedException("the pool was terminated before this task ran"))
        }
        slots.forEach { it.worker?.kill() }
    }

    override suspend fun join() {
        check(state != State.OPEN) { "join() needs close() or terminate() first, as in Python" }
        try {
            slotJobs.joinAll()
        } catch (e: CancellationException) {
            terminate()
            withContext(NonCancellable) { slotJobs.joinAll() }
            throw e
        }
        scope.cancel()
    }

    /** Java: [applyAsync] as a [CompletableFuture]; cancelling the future cancels the task in its worker. */
    @JvmOverloads
    public fun <R> applyFuture(task: Task<R>, timeout: java.time.Duration? = null): CompletableFuture<R> =
        applyAsync(task, timeout?.toKotlinDuration()).asCompletableFuture()

    /** Java: [map] as a [CompletableFuture]; cancelling the future cancels the remaining chunks. */
    @JvmOverloads
    public fun <T, R> mapFuture(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int = 0): CompletableFuture<List<R>> =
        scope.async { map(items, function, chunkSize) }.asCompletableFuture()

    /** Java: [map] over tasks as a [CompletableFuture]. */
    @JvmOverloads
    public fun <R> mapTasksFuture(tasks: Iterable<Task<R>>, chunkSize: Int = 0): CompletableFuture<List<R>> =
        scope.async { map(tasks, chunkSize) }.asCompletableFuture()

    /**
     * Java: [imap] (or [imapUnordered]) as a blocking [Iterator]; results are produced a bounded number of
     * chunks ahead. A failure is thrown from `next()`.
     */
    @JvmOverloads
    public fun <T, R> imapIterator(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int = 1, ordered: Boolean = true): Iterator<R> =
        BlockingIterator.of(if (ordered) imap(items, function, chunkSize) else imapUnordered(items, function, chunkSize), scope, options.workers * 2)

    /** Java: [join] as a [CompletableFuture]. */
    public fun joinFuture(): CompletableFuture<Unit> =
        // Not in the pool's scope: join() ends by cancelling that scope.
        CoroutineScope(Dispatchers.Default).future { join() }

    override fun toString(): String = "<ProcessPool workers=${options.workers} state=${state.name.lowercase()}>"

    private fun submit(payload: Payload, timeout: Duration?): WorkItem {
        val item = WorkItem(ids.incrementAndGet(), payload, timeout, options.retries)
        val closed = { PoolClosedException("the pool is ${state.name.lowercase()}: it takes no new tasks") }
        if (state != State.OPEN) throw closed()
        if (!queue.offer(item)) throw closed()
        return item
    }

    /** One worker position: runs items one at a time on its worker, replacing the worker when it ends. */
    private inner class Slot {
        @Volatile
        var worker: PoolWorker? = null
        private var served = 0

        suspend fun loop() {
            try {
                if (state == State.OPEN) runCatching { startWorker() }
                // A map chunk already claimed by this slot: sent to its worker ahead (with a reply to await),
                // or taken back from a worker that ended before running it.
                var held: Held? = null
                while (true) {
                    val next: Held
                    if (held != null) {
                        next = held
                        held = null
                    } else {
                        val item = queue.take() ?: break
                        if (!item.claim()) continue
                        next = Held(item)
                    }
                    if (state == State.TERMINATED) {
                        next.sentTo?.forget(next.item.id)
                        next.item.fail(PoolTerminatedException("the pool was terminated before this task ran"))
                        continue
                    }
                    held = serve(next)
                }
            } finally {
                withContext(NonCancellable) {
                    worker?.let { if (state == State.TERMINATED) it.kill() else it.retire() }
                    worker?.ended?.await()
                    worker = null
                }
            }
        }

        private suspend fun serve(next: Held): Held? {
            val item = next.item
            val current = worker?.takeIf { !it.ended.isCompleted } ?: try {
                startWorker()
            } catch (e: CoprocException) {
                worker = null
                item.fail(e)
                return null
            }
            item.runsOn(current.name, current.pid)
            // Sent ahead to a worker that ended since (this one is its replacement): that reply never comes.
            val sent = next.reply?.takeIf { next.sentTo === current }
            val (outcome, follower) = run(current, item, sent)
            when (outcome) {
                is Outcome.Replied -> {
                    when (val reply = outcome.reply) {
                        is FromWorker.Succeeded -> item.succeed(reply.result)
                        is FromWorker.Failed -> item.fail(reply.error.toException(current.name, current.pid))
                        else -> item.fail(CancellationException("cancelled in ${current.name}"))
                    }
                    if (options.maxTasksPerChild > 0 && ++served >= options.maxTasksPerChild) {
                        current.retire()
                        worker = null
                        served = 0
                    }
                    return follower
                }
                is Outcome.Ended -> {
                    worker = null
                    served = 0
                    val end = outcome.end
                    when {
                        state == State.TERMINATED -> item.fail(PoolTerminatedException("the pool was terminated while this task ran in ${item.ranOn}"))
                        end.protocolError != null -> item.fail(end.protocolError)
                        item.retriesLeft > 0 -> {
                            item.retriesLeft--
                            item.unclaim()
                            queue.retry(item)
                        }
                        else -> item.fail(died(current, end))
                    }
                }
                Outcome.TimedOut -> {
                    discard(current)
                    item.fail(TaskTimeoutException(current.name, current.pid, item.timeout!!))
                }
                Outcome.Abandoned -> {
                    discard(current)
                    item.fail(CancellationException("cancelled; ${current.name} did not stop in time and was killed"))
                }
            }
            // The worker ended before it got to the follower (it runs one task at a time): it runs next, on
            // this slot's next worker.
            return follower?.let {
                current.forget(it.item.id)
                Held(it.item)
            }
        }

        /** Kills a worker that can no longer be trusted with the next item; the next item starts a new one. */
        private suspend fun discard(current: PoolWorker) {
            current.kill()
            current.ended.await()
            worker = null
            served = 0
        }

        /**
         * Makes [started] this slot's worker. [terminate] sets the state, then kills the slots' workers; this
         * sets the worker, then reads the state: whichever runs second kills a worker started meanwhile.
         */
        private fun adopt(started: PoolWorker) {
            worker = started
            if (state == State.TERMINATED) started.kill()
        }

        private fun died(worker: PoolWorker, end: WorkerEnd): CoprocException =
            end.status?.let { ProcessDiedException(worker.name, worker.pid, it) }
                ?: ProtocolException(worker.name, worker.pid, "${worker.name} (pid ${worker.pid}) ended without an exit status")

        /**
         * Sends [item] (unless [sent] says it already went ahead) and waits for its reply, the worker's end, its
         * timeout or the caller's cancellation. Meanwhile, if [item] is a map chunk and the next queued item is
         * one too, sends that one ahead: the worker starts it the moment [item] ends, with no round trip
         * through this process in between. Returns the outcome and that follower.
         */
        private suspend fun run(worker: PoolWorker, item: WorkItem, sent: CompletableDeferred<FromWorker>?): Pair<Outcome, Held?> {
            val reply = sent ?: worker.expect(item.id, item).also { worker.send(item.payload.message(item.id, worker.name)) }
            val follower = if (item.payload.isChunk) sendAhead(worker) else null
            val deadline: TimeMark? = item.timeout?.let { TimeSource.Monotonic.markNow() + it }
            var cancelDeadline: TimeMark? = null
            try {
                while (true) {
                    val wait = listOfNotNull(deadline, cancelDeadline).minOfOrNull { -it.elapsedNow() } ?: Duration.INFINITE
                    val event = withTimeoutOrNull(wait.coerceAtLeast(Duration.ZERO)) {
                        select<Any> {
                            reply.onAwait { it }
                            worker.ended.onAwait { it }
                            if (cancelDeadline == null) item.cancelRequest.onJoin { CANCEL }
                        }
                    }
                    when (event) {
                        is FromWorker -> return Outcome.Replied(event) to follower
                        is WorkerEnd -> return Outcome.Ended(event) to follower
                        CANCEL -> {
                            worker.send(ToWorker.Cancel(item.id))
                            cancelDeadline = TimeSource.Monotonic.markNow() + options.workerOptions.terminateGrace
                        }
                        null -> return (if (cancelDeadline?.hasPassedNow() == true) Outcome.Abandoned else Outcome.TimedOut) to follower
                    }
                }
            } finally {
                worker.forget(item.id)
            }
        }

        /** Takes the next queued map chunk, if that is what comes next, and sends it to [worker] to wait there. */
        private suspend fun sendAhead(worker: PoolWorker): Held? {
            // The follower will count as one more task of this worker.
            if (options.maxTasksPerChild > 0 && served + 2 > options.maxTasksPerChild) return null
            val next = queue.pollChunk() ?: return null
            if (!next.claim()) return null
            next.runsOn(worker.name, worker.pid)
            val reply = worker.expect(next.id, next)
            worker.send(next.payload.message(next.id, worker.name))
            return Held(next, worker, reply)
        }

        private suspend fun startWorker(): PoolWorker {
            val name = "PoolWorker-${workerCounter.incrementAndGet()}"
            // Spawning blocks for a few milliseconds: not on a caller's or a reader's thread.
            val started = withContext(Dispatchers.IO) { PoolWorker.start(name, options.workerOptions) }
            // Adopted before its initializer runs, so that a terminate() meanwhile kills it (one that never ends
            // would otherwise hold the slot, and join, forever).
            adopt(started)
            val initializer = options.initializer ?: return started
            // The worker decodes it once; what it has not fetched by the outcome, it never will.
            val leases = Leases(reusable = false)
            val encoded = leases.encoding { EncodedTask.of(initializer) }
            val outcome = try {
                val reply = started.expect(0)
                started.send(ToWorker.Run(0, name, encoded.typeName, encoded.bytes, exitAfter = false, keepHandles = true))
                select<Any> {
                    reply.onAwait { it }
                    started.ended.onAwait { it }
                }
            } catch (e: TaskEncodingException) {
                e
            } finally {
                leases.release()
            }
            started.forget(0)
            if (outcome is FromWorker.Succeeded) return started
            started.kill()
            started.ended.await()
            worker = null
            val cause = when (outcome) {
                is FromWorker.Failed -> outcome.error.toException(name, started.pid)
                is WorkerEnd -> died(started, outcome)
                else -> outcome as? TaskEncodingException
            }
            throw ProcessStartException("the initializer failed in $name (pid ${started.pid}): ${cause?.message}", cause)
        }
    }

    /** A claimed item a slot holds: sent ahead to [sentTo] (with the [reply] to await), or not yet sent. */
    private class Held(val item: WorkItem, val sentTo: PoolWorker? = null, val reply: CompletableDeferred<FromWorker>? = null)

    private sealed interface Outcome {
        class Replied(val reply: FromWorker) : Outcome
        class Ended(val end: WorkerEnd) : Outcome
        data object TimedOut : Outcome
        data object Abandoned : Outcome
    }

    public companion object {
        private val CANCEL = Any()
        private val workerCounter = AtomicInteger()

        /** A new pool; the caller must [close] (or [terminate]) and [join] it. */
        @JvmStatic
        public fun create(options: PoolOptions): ProcessPool = ProcessPool(options)
    }
}

/**
 * Runs [block] with a new pool of [workers] processes. Leaving the block closes the pool and joins it;
 * an exception (or cancellation) terminates it.
 * ```
 * val squares = processPool(workers = 4) { map(1..100, Square) }
 * ```
 */
public suspend fun <T> processPool(
    workers: Int = Runtime.getRuntime().availableProcessors(),
    initializer: Task<*>? = null,
    maxTasksPerChild: Int = 0,
    taskTimeout: Duration? = null,
    retries: Int = 0,
    workerOptions: WorkerOptions = PoolOptions.DEFAULT_WORKER_OPTIONS,
    block: suspend ProcessPool.() -> T,
): T = processPool(
    PoolOptions.builder().workers(workers).initializer(initializer).maxTasksPerChild(maxTasksPerChild)
        .taskTimeout(taskTimeout).retries(retries).workerOptions(workerOptions).build(),
    block,
)

/** [processPool] with [PoolOptions]. */
public suspend fun <T> processPool(options: PoolOptions, block: suspend ProcessPool.() -> T): T {
    return ProcessPool.create(options).runScoped(block)
}
