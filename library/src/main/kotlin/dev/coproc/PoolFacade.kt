package dev.coproc

import dev.coproc.internal.codec.FunctionShape
import dev.coproc.internal.codec.encoding
import dev.coproc.internal.handles.Leases
import dev.coproc.internal.pool.PoolFront
import kotlin.time.Duration
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.serialization.KSerializer

/**
 * A [Pool] over the engine-neutral [PoolFront]: tasks and functions encoded here (the public types), what the
 * front reports turned into public exceptions, states kept by the [lifecycle]. [ProcessPool] and
 * `ClusterPool` are this [Pool] by delegation. Results of an [applyAsync] are decoded in [scope].
 */
internal class PoolFacade(
    parallelism: Int,
    taskTimeout: Duration?,
    private val scope: CoroutineScope,
    val lifecycle: PoolLifecycle,
    maxFrameSize: Int = Int.MAX_VALUE,
    resends: Boolean = true,
    /** Refuses a task or function class the engine's workers could not load (a [ProcessStartException]). */
    private val checkLoadable: (Class<*>) -> Unit = {},
) : Pool {
    private val front = PoolFront(parallelism, taskTimeout, maxFrameSize, resends, lifecycle::submit)

    override fun close() = lifecycle.close()

    override fun terminate() = lifecycle.terminate()

    override suspend fun join() = lifecycle.join()

    override suspend fun <R> apply(task: Task<R>, timeout: Duration?): R = publicFailures {
        checkLoadable(BlockingTasks.typeOf(task))
        val leases = Leases(front.resends)
        val encoded = leases.encoding { TaskCodec.encode(task) }
        front.result(front.submitTask(encoded, leases, timeout), encoded.resultSerializer)
    }

    override fun <R> applyAsync(task: Task<R>, timeout: Duration?): Deferred<R> = publicFailures {
        checkLoadable(BlockingTasks.typeOf(task))
        val leases = Leases(front.resends)
        val encoded = leases.encoding { TaskCodec.encode(task) }
        val item = front.submitTask(encoded, leases, timeout)
        scope.async { publicFailures { front.result(item, encoded.resultSerializer) } }
    }

    override suspend fun <T, R> map(
        items: Iterable<T>,
        function: TaskFunction<T, R>,
        chunkSize: Int,
        onProgress: ((Progress) -> Unit)?,
    ): List<R> = publicFailures { front.map(items, function, shapeOf(function), chunkSize, onProgress?.let(::progress)) }

    override suspend fun <A, B, R> starmap(
        items: Iterable<Pair<A, B>>,
        function: TaskFunction2<A, B, R>,
        chunkSize: Int,
        onProgress: ((Progress) -> Unit)?,
    ): List<R> = publicFailures { front.map(items, function, shapeOf(function), chunkSize, onProgress?.let(::progress)) }

    override suspend fun <R> map(tasks: Iterable<Task<R>>, chunkSize: Int, onProgress: ((Progress) -> Unit)?): List<R> =
        publicFailures {
            @Suppress("UNCHECKED_CAST")
            front.mapTasks(tasks, chunkSize, onProgress?.let(::progress), BlockingTasks::typeOf) { type ->
                checkLoadable(type)
                TaskCodec.serializer(type) as KSerializer<Any> to TaskCodec.resultSerializer(type)
            }
        }

    override fun <T, R> imap(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int): Flow<R> = stream(items, function, chunkSize, ordered = true)

    override fun <T, R> imapUnordered(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int): Flow<R> =
        stream(items, function, chunkSize, ordered = false)

    private fun <R> stream(items: Iterable<*>, function: Any, chunkSize: Int, ordered: Boolean): Flow<R> = flow {
        publicFailures { front.stream(this, items, function, shapeOf(function), chunkSize, ordered) }
    }

    /** How [function]'s chunks travel; an `EncodingFailure` when its class cannot. */
    private fun shapeOf(function: Any): FunctionShape {
        val type = BlockingTasks.typeOf(function)
        checkLoadable(type)
        return encoding(type.name) { MapFunctions.shapeOf(type) }
    }

    /** [onProgress] as the front reports progress. */
    private fun progress(onProgress: (Progress) -> Unit): (Int, Int) -> Unit = { completed, total -> onProgress(Progress(completed, total)) }
}
