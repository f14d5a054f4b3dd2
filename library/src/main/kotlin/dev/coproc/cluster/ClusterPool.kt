package dev.coproc.cluster

import dev.coproc.ClusterUnavailableException
import dev.coproc.Pool
import dev.coproc.PoolEngine
import dev.coproc.PoolFacade
import dev.coproc.PoolLifecycle
import dev.coproc.PoolTerminatedException
import dev.coproc.TaskTimeoutException
import dev.coproc.internal.codec.FromWorker
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.pool.Payload
import dev.coproc.internal.pool.WorkItem
import dev.coproc.runScoped
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.selects.select
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
    private val front: PoolFacade,
) : Pool by front {
    override fun toString(): String = "<ClusterPool on ${node.name} parallelism=$parallelism state=${front.lifecycle.stateName}>"

    /** Runs each item as one Ignite compute job, on a coroutine of its own. */
    private class Jobs(private val node: ClusterNode, private val scope: CoroutineScope) : PoolEngine {
        private val ids = AtomicLong()
        private val jobs: MutableSet<Job> = ConcurrentHashMap.newKeySet()

        override fun submit(payload: Payload, timeout: Duration?): WorkItem {
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

        override fun close() = Unit

        override fun terminate() {
            jobs.forEach { it.cancel() }
        }

        override suspend fun join() {
            jobs.toList().joinAll()
        }

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
            is FromWorker.Started -> item.fail(IllegalStateException("${answer.node} answered a task with only 'started'"))
            else -> item.answer(reply, answer.node, 0)
        }
        }
    }

    public companion object {
        private val CANCEL = Any()

        /** A cluster pool on [node]'s cluster; [close] or [terminate] it, then [join]. */
        @JvmStatic
        @JvmOverloads
        public fun create(node: ClusterNode, parallelism: Int = node.serverCpus(), taskTimeout: Duration? = null): ClusterPool {
            require(parallelism > 0) { "parallelism must be positive, not $parallelism" }
            val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("coproc-cluster-pool"))
            val lifecycle = PoolLifecycle(Jobs(node, scope)) { scope.cancel() }
            return ClusterPool(node, parallelism, PoolFacade(parallelism, taskTimeout, scope, lifecycle))
        }
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
