package dev.coproc.internal.pool

import dev.coproc.internal.codec.EncodedTask
import dev.coproc.internal.codec.FromWorker
import dev.coproc.internal.codec.ToWorker
import dev.coproc.internal.handles.Leases
import dev.coproc.internal.channel.WorkerFailure
import dev.coproc.internal.channel.WorkerLaunch
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration
import kotlin.time.TimeMark
import kotlin.time.TimeSource
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull

/**
 * The local pool's scheduler: [workers] slots, each running queued items one at a time on its own worker JVM
 * and replacing that worker when it ends (or has served [maxTasksPerChild] items).
 *
 * Each slot takes the next queued item as soon as its worker is idle, so one slow task never holds up the
 * others. Chunks of a map are the exception that pays: a worker is sent its next chunks while it still runs
 * the current one, and starts each with no round trip through this process (a worker that ends first hands
 * the waiting chunks back to the queue, unstarted, unless it answered them). How many wait there follows how
 * long the slot's recent chunks took: about [AHEAD_NANOS] of work, one chunk for slow ones, up to [MAX_AHEAD]
 * tiny ones, and never more than the slot's share of the queue. An item whose worker died is queued again up
 * to [retries] times. A worker's reply completes its item on the reader thread ([PoolWorker.onMessage]); every
 * other end (death, timeout, cancellation, termination) is decided here, and reported as a [WorkerFailure] or
 * [PoolFailure] for the public side to convert. [initializer] encodes the task each new worker runs first.
 */
internal class PoolScheduler(
    private val workers: Int,
    private val launch: WorkerLaunch,
    private val terminateGrace: Duration,
    private val maxTasksPerChild: Int,
    private val retries: Int,
    private val initializer: (() -> EncodedTask)?,
) {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("coproc-pool"))
    private val queue = WorkQueue()
    private val ids = AtomicLong()

    @Volatile
    private var closed = false

    @Volatile
    private var terminated = false

    // Last: the slots start running at once, on other threads, and read the fields above.
    private val slots = List(workers) { Slot() }
    // Unconfined: a slot runs on the thread that wakes it (the submitting caller, or the reader thread that
    // got its worker's reply), so a task reaches its worker's pipe with no thread hand-off on the way.
    private val slotJobs = slots.map { slot -> scope.launch(Dispatchers.Unconfined) { slot.loop() } }

    /** The pids of the workers running now (a replaced worker's pid changes). */
    fun workerPids(): List<Long> = slots.mapNotNull { slot -> slot.worker?.takeIf { !it.ended.isCompleted }?.pid }

    /** Queues [payload] as a new item; null once closed. */
    fun submit(payload: Payload, timeout: Duration?): WorkItem? {
        val item = WorkItem(ids.incrementAndGet(), payload, timeout, retries)
        return if (queue.offer(item)) item else null
    }

    /** Takes no new items; the queued ones still run. */
    fun close() {
        closed = true
        queue.close()
    }

    /** Fails the queued items and kills the workers, with the items they run. */
    fun terminate() {
        closed = true
        terminated = true
        for (item in queue.drain()) {
            if (item.claim()) item.fail(PoolFailure.Terminated("the pool was terminated before this task ran"))
        }
        slots.forEach { it.worker?.kill() }
    }

    /** Suspends until every slot has ended (after [close] or [terminate]), then ends the scheduler's scope. */
    suspend fun join() {
        slotJobs.joinAll()
        scope.cancel()
    }

    /** One worker position: runs items one at a time on its worker, replacing the worker when it ends. */
    private inner class Slot {
        @Volatile
        var worker: PoolWorker? = null
        private var served = 0

        /**
         * What this slot sleeps on while its worker runs an item: rung by the item's reply (and those of the chunks
         * sent ahead), its worker's end and its caller's cancel. One for the slot's life, not one wait per item:
         * the slot looks at what changed each time it wakes.
         */
        private val bell = Channel<Unit>(Channel.CONFLATED)

        /** Map chunks sent ahead to this slot's worker (each with its reply to await), in the order it runs them. */
        private val ahead = ArrayDeque<Held>()

        /**
         * How long this slot's recent map chunks took, a moving average of the time from one becoming its current
         * item to its reply (for chunks already waiting in the worker, about the time between two replies).
         */
        private var chunkNanos = AHEAD_NANOS

        suspend fun loop() {
            try {
                if (!closed) runCatching { startWorker() }
                while (true) {
                    val next = ahead.removeFirstOrNull() ?: claimNext() ?: break
                    if (terminated) {
                        next.sentTo?.forget(next.item.id)
                        next.item.fail(PoolFailure.Terminated("the pool was terminated before this task ran"))
                        continue
                    }
                    serve(next)
                }
            } finally {
                withContext(NonCancellable) {
                    worker?.let { if (terminated) it.kill() else it.retire() }
                    worker?.ended?.await()
                    worker = null
                }
            }
        }

        /** The next queued item, claimed by this slot; null once the queue is closed and empty. */
        private suspend fun claimNext(): Held? {
            while (true) {
                val item = queue.take() ?: return null
                if (item.claim()) return Held(item)
            }
        }

        private suspend fun serve(next: Held) {
            val item = next.item
            val current = worker?.takeIf { !it.ended.isCompleted } ?: try {
                startWorker()
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                // The worker or its initializer failed to start (or the initializer to encode): the item says why.
                worker = null
                item.fail(e)
                return
            }
            // Sent ahead to a worker that ended since (this one is its replacement): answered before it ended, it
            // is done; otherwise it runs here.
            if (next.sentTo != null && next.sentTo !== current && item.result.isCompleted) return
            item.runsOn(current.name, current.pid)
            val sent = next.pending?.takeIf { next.sentTo === current }
            val outcome = run(current, item, sent)
            if (outcome is Outcome.Replied) {
                // The reply has completed the item already, on the reader thread (PoolWorker.onMessage). The
                // chunks sent ahead count among the worker's tasks: none is sent past its limit.
                if (maxTasksPerChild > 0 && ++served >= maxTasksPerChild) {
                    current.retire()
                    worker = null
                }
                return
            }
            if (outcome is Outcome.Ended) {
                worker = null
            } else {
                discard(current)
            }
            // Before the item itself is put back, so that it stays ahead of them in the queue.
            handBack(current)
            when (outcome) {
                is Outcome.Ended -> {
                    val end = outcome.end
                    when {
                        terminated -> item.fail(PoolFailure.Terminated("the pool was terminated while this task ran in ${item.ranOn}"))
                        end.protocolError != null -> item.fail(end.protocolError)
                        item.retriesLeft > 0 -> {
                            item.retriesLeft--
                            item.unclaim()
                            queue.retry(item)
                        }
                        else -> item.fail(died(current, end))
                    }
                }
                Outcome.TimedOut -> item.fail(PoolFailure.TimedOut(current.name, current.pid, item.timeout!!))
                Outcome.Abandoned -> item.fail(CancellationException("cancelled; ${current.name} did not stop in time and was killed"))
                is Outcome.Replied -> Unit // returned above
            }
        }

        /**
         * After [ended] has ended (and so every reply it sent has been delivered): the chunks sent ahead that it
         * answered are done; the others go back to the front of the queue, in their order, for any slot to run
         * (unless their caller gave up on them meanwhile). They do not count as retries: they never started.
         */
        private fun handBack(ended: PoolWorker) {
            while (true) {
                val held = ahead.removeLastOrNull() ?: return
                ended.forget(held.item.id)
                when {
                    held.item.result.isCompleted -> Unit
                    held.item.cancelRequest.isCompleted -> held.item.fail(CancellationException("cancelled before it ran"))
                    else -> {
                        held.item.unclaim()
                        queue.retry(held.item)
                    }
                }
            }
        }

        /** Kills a worker that can no longer be trusted with the next item; the next item starts a new one. */
        private suspend fun discard(current: PoolWorker) {
            current.kill()
            current.ended.await()
            worker = null
        }

        /**
         * Makes [started] this slot's worker. [terminate] sets the state, then kills the slots' workers; this
         * sets the worker, then reads the state: whichever runs second kills a worker started meanwhile.
         */
        private fun adopt(started: PoolWorker) {
            worker = started
            started.ended.invokeOnCompletion { bell.trySend(Unit) }
            // Every worker of this slot starts here: its count of tasks served starts over.
            served = 0
            if (terminated) started.kill()
        }

        private fun died(worker: PoolWorker, end: WorkerEnd): WorkerFailure =
            end.status?.let { WorkerFailure.Died(worker.name, worker.pid, it) }
                ?: WorkerFailure.Protocol(worker.name, worker.pid, "${worker.name} (pid ${worker.pid}) ended without an exit status")

        /**
         * Sends [item] (unless [sent] says it already went ahead) and waits for its reply, the worker's end, its
         * timeout or the caller's cancellation. Meanwhile, if [item] is a map chunk and the next queued items are
         * too, sends some of them ahead: the worker starts each the moment the one before ends, with no round
         * trip through this process in between.
         */
        private suspend fun run(worker: PoolWorker, item: WorkItem, sent: PoolWorker.Pending?): Outcome {
            val began = System.nanoTime()
            val pending = sent ?: worker.expect(item.id, item, bell).also { worker.send(item.payload.message(item.id, worker.name)) }
            val deadline: TimeMark? = item.timeout?.let { TimeSource.Monotonic.markNow() + it }
            var cancelDeadline: TimeMark? = null
            fun replied(reply: FromWorker): Outcome {
                if (item.payload.isChunk) chunkNanos = (3 * chunkNanos + (System.nanoTime() - began)) / 4
                return Outcome.Replied(reply)
            }
            item.cancelBell = bell
            try {
                if (item.payload.isChunk) sendAhead(worker)
                while (true) {
                    pending.answer?.let { return replied(it) }
                    // A worker's end comes after every reply it sent was delivered: one that came is looked for again.
                    if (worker.ended.isCompleted) return pending.answer?.let(::replied) ?: Outcome.Ended(worker.ended.await())
                    if (cancelDeadline == null && item.cancelRequest.isCompleted) {
                        worker.send(ToWorker.Cancel(item.id))
                        cancelDeadline = TimeSource.Monotonic.markNow() + terminateGrace
                        continue
                    }
                    val wait = listOfNotNull(deadline, cancelDeadline).minOfOrNull { -it.elapsedNow() }
                    // Most items have no deadline: a timeout's coroutine and timer cost as much as the rest of this wait.
                    if (wait == null) {
                        bell.receive()
                    } else if (withTimeoutOrNull(wait.coerceAtLeast(Duration.ZERO)) { bell.receive() } == null) {
                        pending.answer?.let { return replied(it) }
                        return if (cancelDeadline?.hasPassedNow() == true) Outcome.Abandoned else Outcome.TimedOut
                    }
                }
            } finally {
                item.cancelBell = null
                worker.forget(item.id)
            }
        }

        /**
         * Tops up the chunks waiting in [worker] from the queue, as long as map chunks come next: to about
         * [AHEAD_NANOS] of work at the pace of the recent chunks (at most [MAX_AHEAD], and no more than this slot's
         * share of the queue, so that an idle slot still finds work), and never past the worker's task limit.
         */
        private suspend fun sendAhead(worker: PoolWorker) {
            // Chunks sent to a worker that ended before this one go first: nothing may overtake them.
            if (ahead.any { it.sentTo !== worker }) return
            val paced = (AHEAD_NANOS / maxOf(chunkNanos, 1)).coerceIn(1, MAX_AHEAD.toLong()).toInt()
            val wanted = minOf(paced, maxOf(1, queue.size() / workers))
            while (ahead.size < wanted) {
                // Each chunk sent ahead counts as one more task of this worker.
                if (maxTasksPerChild > 0 && served + 2 + ahead.size > maxTasksPerChild) return
                val next = queue.pollChunk() ?: return
                if (!next.claim()) continue
                next.runsOn(worker.name, worker.pid)
                val pending = worker.expect(next.id, next, bell)
                worker.send(next.payload.message(next.id, worker.name))
                ahead.addLast(Held(next, worker, pending))
            }
        }

        private suspend fun startWorker(): PoolWorker {
            val name = "PoolWorker-${workerCounter.incrementAndGet()}"
            // Encoded before the worker is spawned, so that one that does not encode leaves no worker behind. The
            // worker decodes it once; what it has not fetched by the outcome, it never will.
            val leases = Leases(reusable = false)
            val encoded = initializer?.let { leases.encoding { it() } }
            val outcome = try {
                // Spawning blocks for a few milliseconds: not on a caller's or a reader's thread.
                val started = withContext(Dispatchers.IO) { PoolWorker.start(name, launch, terminateGrace) }
                // Adopted before its initializer runs, so that a terminate() meanwhile kills it (one that never
                // ends would otherwise hold the slot, and join, forever).
                adopt(started)
                if (encoded == null) return started
                started to try {
                    val reply = started.expect(0).reply!!
                    started.send(encoded.runMessage(0, name, keepHandles = true))
                    select<Any> {
                        reply.onAwait { it }
                        started.ended.onAwait { it }
                    }
                } catch (e: WorkerFailure.TooLarge) {
                    e
                }
            } finally {
                leases.release()
            }
            return initialized(outcome.first, outcome.second)
        }

        /** [started] once its initializer answered [outcome]; otherwise kills it and says why it failed. */
        private suspend fun initialized(started: PoolWorker, outcome: Any): PoolWorker {
            val name = started.name
            started.forget(0)
            if (outcome is FromWorker.Succeeded) return started
            started.kill()
            started.ended.await()
            worker = null
            val cause = when (outcome) {
                is FromWorker.Failed -> WorkerFailure.Remote(name, started.pid, outcome.error)
                is WorkerEnd -> died(started, outcome)
                else -> outcome as? WorkerFailure.TooLarge
            }
            throw WorkerFailure.StartFailed("the initializer failed in $name (pid ${started.pid}): ${cause?.message}", cause)
        }
    }

    /** A claimed item a slot holds: sent ahead to [sentTo] (with its [pending] reply), or not yet sent. */
    private class Held(val item: WorkItem, val sentTo: PoolWorker? = null, val pending: PoolWorker.Pending? = null)

    private sealed interface Outcome {
        class Replied(val reply: FromWorker) : Outcome
        class Ended(val end: WorkerEnd) : Outcome
        data object TimedOut : Outcome
        data object Abandoned : Outcome
    }

    private companion object {
        /** About how much work, at the pace of a slot's recent chunks, waits in its worker beside the current one. */
        const val AHEAD_NANOS = 1_000_000L
        /** The most chunks that wait in one worker. */
        const val MAX_AHEAD = 64
        val workerCounter = AtomicInteger()
    }
}
