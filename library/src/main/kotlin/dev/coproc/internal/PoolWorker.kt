package dev.coproc.internal

import dev.coproc.ProtocolException
import dev.coproc.TaskEncodingException
import dev.coproc.WorkerOptions
import dev.coproc.codec.FromWorker
import dev.coproc.codec.ToWorker
import dev.coproc.codec.WireCodec
import dev.coproc.os.ExitStatus
import dev.coproc.os.Signals
import dev.coproc.toException
import dev.coproc.wire.Frame
import dev.coproc.wire.FrameException
import java.io.IOException
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull

/** How a pool worker ended: its exit status, and the protocol error that got it killed, if any. */
internal class WorkerEnd(val status: ExitStatus?, val protocolError: ProtocolException?)

/** One worker JVM of a pool: routes its replies to the waiting items and reports its end. */
internal class PoolWorker private constructor(val name: String, private val options: WorkerOptions) : WorkerConnection.Listener {
    private val replies = ConcurrentHashMap<Long, Pending>()

    /** The slot's wait for a reply, and the item whose caller is completed straight from the reader thread. */
    private class Pending(val item: WorkItem?, val reply: CompletableDeferred<FromWorker>)

    /** Completes once the worker has ended and been reaped. */
    val ended = CompletableDeferred<WorkerEnd>()

    lateinit var connection: WorkerConnection
        private set

    val pid: Long get() = connection.pid.toLong()

    /**
     * Registers for the reply to [id]; call before sending the message. The reply to [item] completes it
     * directly on the reader thread, sparing the caller one thread hop.
     */
    fun expect(id: Long, item: WorkItem? = null): CompletableDeferred<FromWorker> =
        CompletableDeferred<FromWorker>().also { replies[id] = Pending(item, it) }

    fun forget(id: Long) {
        replies.remove(id)
    }

    /**
     * Sends [message]; a large frame is written on the IO dispatcher, since it blocks until the worker reads.
     *
     * @throws TaskEncodingException when it is over the frame limit: nothing was sent, the worker is fine
     */
    suspend fun send(message: ToWorker) {
        val bytes = WireCodec.encode(message)
        try {
            if (bytes.size <= SMALL_FRAME) {
                connection.sendEncoded(bytes)
            } else {
                withContext(Dispatchers.IO) { connection.sendEncoded(bytes) }
            }
        } catch (e: FrameException) {
            // Not a worker gone: taken for one, the caller would wait for a reply that never comes.
            throw TaskEncodingException(
                "a message for $name encodes to ${bytes.size} bytes, over maxFrameSize (${options.maxFrameSize} bytes)", e,
            )
        } catch (e: IOException) {
            // The worker is gone; [ended] will say how.
        }
    }

    fun kill() {
        connection.signal(Signals.SIGKILL)
    }

    /** Asks the worker to exit, and kills it if it has not within the grace period; returns once reaped. */
    suspend fun retire() {
        if (!ended.isCompleted) send(ToWorker.Shutdown)
        if (withTimeoutOrNull(options.terminateGrace) { ended.await() } == null) {
            kill()
            ended.await()
        }
    }

    override fun onMessage(connection: WorkerConnection, message: FromWorker) {
        val pending = when (message) {
            is FromWorker.Started -> return
            is FromWorker.Succeeded -> replies.remove(message.id)?.also { it.item?.succeed(message.result) }
            is FromWorker.Failed -> replies.remove(message.id)?.also { it.item?.fail(message.error.toException(name, pid)) }
            is FromWorker.Cancelled -> replies.remove(message.id)
        }
        pending?.reply?.complete(message)
    }

    override fun onEnd(connection: WorkerConnection, error: ProtocolException?) {
        connection.exit.whenComplete { status, _ -> ended.complete(WorkerEnd(status, error)) }
    }

    companion object {
        private const val SMALL_FRAME = 32 * 1024

        fun start(name: String, options: WorkerOptions): PoolWorker {
            val worker = PoolWorker(name, options)
            worker.connection = WorkerConnection.start(name, options, null, worker)
            return worker
        }
    }
}
