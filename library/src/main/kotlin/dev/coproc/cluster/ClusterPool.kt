package dev.coproc.cluster

import dev.coproc.ClusterUnavailableException
import dev.coproc.Pool
import dev.coproc.PoolClosedException
import dev.coproc.PoolTerminatedException
import dev.coproc.Progress
import dev.coproc.Task
import dev.coproc.TaskFunction
import dev.coproc.TaskFunction2
import dev.coproc.TaskTimeoutException
import dev.coproc.codec.FromWorker
import dev.coproc.codec.WireCodec
import dev.coproc.internal.Payload
import dev.coproc.internal.PoolFront
import dev.coproc.internal.WorkItem
import dev.coproc.toException
import dev.coproc.runScoped
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import org.apache.ignite.cluster.ClusterGroupEmptyException
import org.apache.ignite.lang.IgniteFuture

/**
 * The cluster [Pool]: the same tasks, functions and contract as the local [dev.coproc.ProcessPool], run on the
 * server nodes of an Apache Ignite cluster that [node] belongs to. Each task (or map chunk) is one Ignite
 * compute job carrying coproc's encoding of it; the node that runs it decodes it against the same declared
 * types, as a local worker does.
 *
 * A node that dies while running a job: Ignite runs the job again on another node (at-least-once: a task may
 * run twice, so make tasks idempotent), and its result is taken once. With no server left, the task fails with
 * [ClusterUnavailableException]. A per-task timeout or a cancelled caller cancels the job on its node (its
 * coroutine is cancelled there). Handles to this machine's pipes and shared memory reach only nodes on this
 * machine.
 *
 * The pool does not own [node]: closing the pool leaves the node in the cluster.
 */
public class ClusterPool private constructor(
    private val node: ClusterNode,
    /** How many tasks the pool sizes its default chunks and streaming window for: the servers' CPUs by default. */
    public val parallelism: Int,
    private val taskTimeout: Duration?,
) : Pool {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("coproc-cluster-pool"))
    private val ids = AtomicLong()
    private val jobs: MutableSet<Job> = ConcurrentHashMap.newKeySet()
    private val front = PoolFront(parallelism, taskTimeout, scope, submit = ::submit)

    @Volatile
    private var state = State.OPEN

    private enum class State { OPEN, CLOSED, TERMINATED }

    init {
        require(parallelism > 0) { "parallelism must be positive, not $parallelism" }
    }

    override suspend fun <R> apply(task: Task<R>, timeout: Duration?): R = front.apply(task, timeout)

    override fun <R> applyAsync(task: Task<R>, timeout: Duration?): Deferred<R> = front.applyAsync(task, timeout)

    override suspend fun <T, R> map(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int, onProgress: ((Progress) -> Unit)?): List<R> =
        front.map(items, function, chunkSize, onProgress)

    override suspend fun <A, B, R> starmap(items: Iterable<Pair<A, B>>, function: TaskFunction2<A, B, R>, chunkSize: Int, onProgress: ((Progress) -> Unit)?): List<R> =
        front.starmap(items, function, chunkSize, onProgress)

    override suspend fun <R> map(tasks: Iterable<Task<R>>, chunkSize: Int, onProgress: ((Progress) -> Unit)?): List<R> =
        front.map(tasks, chunkSize, onProgress)

    override fun <T, R> imap(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int): Flow<R> = front.imap(items, function, chunkSize)

    override fun <T, R> imapUnordered(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int): Flow<R> =
        front.imapUnordered(items, function, chunkSize)

    override fun close() {
        synchronized(this) { if (state == State.OPEN) state = State.CLOSED }
    }

    override fun terminate() {
        synchronized(this) {
            if (state == State.TERMINATED) return
            state = State.TERMINATED
        }
        jobs.forEach { it.cancel() }
    }

    override suspend fun join() {
        check(state != State.OPEN) { "join() needs close() or terminate() first, as in Python" }
        try {
            jobs.toList().joinAll()
        } catch (e: kotlinx.coroutines.CancellationException) {
            terminate()
            withContext(NonCancellable) { jobs.toList().joinAll() }
            throw e
        }
        scope.cancel()
    }

    override fun toString(): String = "<ClusterPool on ${node.name} parallelism=$parallelism state=${state.name.lowercase()}>"

    private fun submit(payload: Payload, timeout: Duration?): WorkItem {
        if (state != State.OPEN) throw PoolClosedException("the pool is ${state.name.lowercase()}: it takes no new tasks")
        val item = WorkItem(ids.incrementAndGet(), payload, timeout, 0)
        val job = scope.launch { run(item) }
        jobs += job
        job.invokeOnCompletion { cause ->
            jobs -= job
            // Terminated (or cancelled) before an answer: the caller gets a typed error, not silence.
            if (cause != null) item.fail(PoolTerminatedException("the pool was terminated before this task ended"))
        }
        return item
    }

    /** Sends [item] to the cluster as one job and completes it with the job's answer, a timeout, or a cancel. */
    private suspend fun run(item: WorkItem) {
        if (!item.claim()) return
        val message = WireCodec.encode(item.payload.message(item.id, "cluster"))
        val future: IgniteFuture<ClusterReply> = try {
            node.ignite.compute(node.ignite.cluster().forServers()).callAsync(ClusterJob(message))
        } catch (e: ClusterGroupEmptyException) {
            item.fail(ClusterUnavailableException("no server node is left in the cluster to run the task", e))
            return
        } catch (e: Exception) {
            item.fail(ClusterUnavailableException("the cluster did not take the task: ${e.message}", e))
            return
        }
        item.runsOn("the cluster", 0)
        val answer = CompletableDeferred<ClusterReply>()
        future.listen { done ->
            try {
                answer.complete(done.get())
            } catch (e: Throwable) {
                answer.completeExceptionally(e)
            }
        }
        try {
            val outcome = withTimeoutOrNull(item.timeout ?: Duration.INFINITE) {
                select<Any> {
                    answer.onAwait { it }
                    item.cancelRequest.onJoin { CANCEL }
                }
            }
            when (outcome) {
                null -> {
                    future.cancel()
                    item.fail(TaskTimeoutException("the cluster", 0, item.timeout!!, "its job was cancelled on its node"))
                }
                CANCEL -> {
                    future.cancel()
                    item.result.cancel()
                }
                is ClusterReply -> complete(item, outcome)
            }
        } catch (e: kotlinx.coroutines.CancellationException) {
            future.cancel()
            throw e
        } catch (e: Exception) {
            // Ignite's failures (a job that could not fail over, a node stopping...) and any other: typed, never silent.
            item.fail(ClusterUnavailableException("the cluster could not run the task: ${e.message}", e))
        }
    }

    private fun complete(item: WorkItem, answer: ClusterReply) {
        item.runsOn(answer.node, 0)
        when (val reply = WireCodec.decodeFromWorker(answer.reply)) {
            is FromWorker.Succeeded -> item.succeed(reply.result)
            is FromWorker.Failed -> item.fail(reply.error.toException(answer.node, 0))
            is FromWorker.Cancelled -> item.result.cancel()
            is FromWorker.Started -> item.fail(IllegalStateException("${answer.node} answered a task with only 'started'"))
        }
    }

    public companion object {
        private val CANCEL = Any()

        /** A cluster pool on [node]'s cluster; [close] or [terminate] it, then [join]. */
        @JvmStatic
        @JvmOverloads
        public fun create(node: ClusterNode, parallelism: Int = node.serverCpus(), taskTimeout: Duration? = null): ClusterPool =
            ClusterPool(node, parallelism, taskTimeout)
    }
}

/**
 * Runs [block] with a [ClusterPool] on [node]'s cluster, then closes the pool and waits for its tasks (as
 * `processPool { }` does). Code written against [Pool] runs unchanged on either.
 */
public suspend fun <T> clusterPool(
    node: ClusterNode,
    parallelism: Int = node.serverCpus(),
    taskTimeout: Duration? = null,
    block: suspend ClusterPool.() -> T,
): T {
    return ClusterPool.create(node, parallelism, taskTimeout).runScoped(block)
}
