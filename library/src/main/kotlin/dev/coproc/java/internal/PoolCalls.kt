package dev.coproc.java.internal

import dev.coproc.Pool
import dev.coproc.ProcessPool
import dev.coproc.Progress
import dev.coproc.Task
import dev.coproc.TaskFunction
import dev.coproc.cluster.ClusterNode
import dev.coproc.cluster.ClusterPool
import dev.coproc.internal.BlockingIterator
import java.util.concurrent.CompletableFuture
import java.util.function.Consumer
import kotlin.time.toKotlinDuration
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.future.asCompletableFuture
import kotlinx.coroutines.future.future
import kotlinx.coroutines.runBlocking

/**
 * The Java API's pool calls, over a pool of any engine. The blocking ones run on the caller's thread, as a suspending call runs on its
 * coroutine's: the task goes out from this thread and the answer wakes it, with no hand-off to another thread
 * on the way (a future completed elsewhere would add one). An interrupt of the waiting thread cancels the
 * call (the task in its worker too) and throws [InterruptedException].
 */
internal object PoolCalls {
    @JvmStatic
    @Throws(InterruptedException::class)
    fun <R> apply(pool: Pool, task: Task<R>, timeout: java.time.Duration?): R =
        runBlocking { pool.apply(task, timeout?.toKotlinDuration()) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T, R> map(pool: Pool, items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int, onProgress: Consumer<Progress>?): List<R> =
        runBlocking { pool.map(items, function, chunkSize, onProgress?.let { consumer -> { progress -> consumer.accept(progress) } }) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun join(pool: Pool) = runBlocking { pool.join() }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <R> mapTasks(pool: Pool, tasks: Iterable<Task<R>>, chunkSize: Int): List<R> = runBlocking { pool.map(tasks, chunkSize) }

    /** A scope for what a Java pool starts beside its calls (map futures, imap streams), cancelled when it closes. */
    @JvmStatic
    fun scope(): CoroutineScope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @JvmStatic
    fun cancel(scope: CoroutineScope) = scope.cancel()

    /** Submits [task]; cancelling the future cancels it in its worker. */
    @JvmStatic
    fun <R> applyAsync(pool: Pool, task: Task<R>, timeout: java.time.Duration?): CompletableFuture<R> =
        pool.applyAsync(task, timeout?.toKotlinDuration()).asCompletableFuture()

    /** [Pool.map] as a future; cancelling it cancels the chunks not done yet. */
    @JvmStatic
    fun <T, R> mapAsync(scope: CoroutineScope, pool: Pool, items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int): CompletableFuture<List<R>> =
        scope.future { pool.map(items, function, chunkSize) }

    /** [Pool.imap] or [Pool.imapUnordered] as a blocking iterator; closing it stops the rest. */
    @JvmStatic
    fun <T, R> imap(scope: CoroutineScope, pool: Pool, items: Iterable<T>, function: TaskFunction<T, R>, ordered: Boolean): BlockingIterator<R> =
        BlockingIterator.of(if (ordered) pool.imap(items, function) else pool.imapUnordered(items, function), scope, 2 * Runtime.getRuntime().availableProcessors())

    /** The pids of a local pool's workers; none for a cluster's, whose workers are other machines' threads. */
    @JvmStatic
    fun workerPids(pool: Pool): List<Long> = (pool as? ProcessPool)?.workerPids() ?: emptyList()

    /** A cluster's pool: [parallelism] tasks at a time on its servers, each with [taskTimeout] (null: none). */
    @JvmStatic
    fun clusterPool(node: ClusterNode, parallelism: Int, taskTimeout: java.time.Duration?): Pool =
        ClusterPool.create(node, parallelism, taskTimeout?.toKotlinDuration())
}
