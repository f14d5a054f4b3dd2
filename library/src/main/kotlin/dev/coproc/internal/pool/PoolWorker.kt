package dev.coproc.internal.pool

import dev.coproc.internal.codec.FromWorker
import dev.coproc.internal.codec.ToWorker
import dev.coproc.internal.channel.WorkerChannel
import dev.coproc.internal.channel.WorkerFailure
import dev.coproc.internal.channel.WorkerLaunch
import dev.coproc.os.ExitStatus
import dev.coproc.os.Signals
import java.util.concurrent.ConcurrentHashMap
import kotlin.time.Duration
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.channels.SendChannel
import kotlinx.coroutines.withTimeoutOrNull

/** How a pool worker ended: its exit status, and the protocol error that got it killed, if any. */
internal class WorkerEnd(val status: ExitStatus?, val protocolError: WorkerFailure.Protocol?)

/** One worker JVM of a pool: routes its replies to the waiting items and reports its end. */
internal class PoolWorker private constructor(val name: String, private val terminateGrace: Duration) : WorkerChannel.Listener {
    private val replies = ConcurrentHashMap<Long, Pending>()

    /**
     * The wait for the reply to one message: the slot's (an item, with the [bell] its slot sleeps on), or a
     * one-off [reply] to await (an initializer's). The reply to [item] completes it ([WorkItem.answer])
     * directly on the reader thread, sparing the caller one thread hop: the only place a reply completes an
     * item; the scheduler only learns that it came.
     */
    class Pending(val item: WorkItem?, private val bell: SendChannel<Unit>?) {
        val reply: CompletableDeferred<FromWorker>? = if (bell == null) CompletableDeferred() else null

        /** The reply, once it came. */
        @Volatile
        var answer: FromWorker? = null
            private set

        fun deliver(message: FromWorker, workerName: String, pid: Long) {
            answer = message
            item?.answer(message, workerName, pid)
            reply?.complete(message)
            bell?.trySend(Unit)
        }
    }

    /** Completes once the worker has ended and been reaped. */
    val ended = CompletableDeferred<WorkerEnd>()

    lateinit var connection: WorkerChannel
        private set

    val pid: Long get() = connection.pid.toLong()

    /** Registers for the reply to [id], rung on [bell] (awaited, without one); call before sending the message. */
    fun expect(id: Long, item: WorkItem? = null, bell: SendChannel<Unit>? = null): Pending =
        Pending(item, bell).also { replies[id] = it }

    fun forget(id: Long) {
        replies.remove(id)
    }

    /**
     * Sends [message] (see [WorkerChannel.post]).
     *
     * @throws WorkerFailure.TooLarge when it is over the frame limit: nothing was sent, the worker is fine
     */
    suspend fun send(message: ToWorker) = connection.post(message)

    fun kill() {
        connection.signal(Signals.SIGKILL)
    }

    /** Asks the worker to exit, and kills it if it has not within the grace period; returns once reaped. */
    suspend fun retire() {
        if (!ended.isCompleted) send(ToWorker.Shutdown)
        if (withTimeoutOrNull(terminateGrace) { ended.await() } == null) {
            kill()
            ended.await()
        }
    }

    /** Each reply is answered by the slot's next task: those of replies read together go in one write. */
    override val batchesCommands: Boolean get() = true

    override fun onMessage(connection: WorkerChannel, message: FromWorker) {
        val pending = when (message) {
            is FromWorker.Started -> return
            is FromWorker.Succeeded -> replies.remove(message.id)
            is FromWorker.Failed -> replies.remove(message.id)
            is FromWorker.Cancelled -> replies.remove(message.id)
        }
        pending?.deliver(message, name, pid)
    }

    override fun onEnd(connection: WorkerChannel, error: WorkerFailure.Protocol?) {
        connection.exit.whenComplete { status, _ -> ended.complete(WorkerEnd(status, error)) }
    }

    companion object {
        /** Starts (or takes from a standby set) a worker for [launch]; [WorkerFailure.StartFailed] when it cannot. */
        fun start(name: String, launch: WorkerLaunch, terminateGrace: Duration): PoolWorker {
            val worker = PoolWorker(name, terminateGrace)
            worker.connection = WorkerChannel.start(name, launch, null, worker)
            return worker
        }
    }
}
