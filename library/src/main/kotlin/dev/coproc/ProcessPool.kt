package dev.coproc

import dev.coproc.internal.pool.Payload
import dev.coproc.internal.pool.PoolScheduler
import dev.coproc.internal.pool.WorkItem
import kotlin.time.Duration
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel

/**
 * The local [Pool]: worker JVMs on this machine, fed through OS pipes.
 *
 * Each worker takes the next queued task as soon as it is idle, so one slow task never holds up the others;
 * the chunks of a map are sent to a worker ahead, so it starts the next one with no round trip through this
 * process. Create it with [processPool] (scoped) or [ProcessPool.create].
 */
public class ProcessPool private constructor(
    private val options: PoolOptions,
    private val scheduler: PoolScheduler,
    private val scope: CoroutineScope,
    private val front: PoolFacade,
) : Pool by front {
    /** The number of worker processes. */
    public val workers: Int get() = options.workers

    /** The pids of the workers running now (a replaced worker's pid changes). */
    public fun workerPids(): List<Long> = scheduler.workerPids()

    override fun toString(): String = "<ProcessPool workers=${options.workers} state=${lifecycle.stateName}>"

    private val lifecycle: PoolLifecycle get() = front.lifecycle

    /** The scheduler as the engine of the shared [PoolLifecycle]. */
    private class Engine(private val scheduler: PoolScheduler) : PoolEngine {
        override fun submit(payload: Payload, timeout: Duration?): WorkItem? = scheduler.submit(payload, timeout)
        override fun close() = scheduler.close()
        override fun terminate() = scheduler.terminate()
        override suspend fun join() = scheduler.join()
    }

    public companion object {
        /** A new pool; the caller must [close] (or [terminate]) and [join] it. */
        @JvmStatic
        public fun create(options: PoolOptions): ProcessPool {
            val worker = options.workerOptions
            // Before any worker starts: a classpath without coproc would only show as workers dying at start.
            val classpath = WorkerClasspath(worker.launch).also { it.checkCoproc() }
            options.initializer?.let { classpath.check(BlockingTasks.typeOf(it), "the initializer's class") }
            val initializer = options.initializer?.let { task -> { TaskCodec.encode(task) } }
            val scheduler = PoolScheduler(options.workers, worker.launch, worker.terminateGrace, options.maxTasksPerChild, options.retries, initializer)
            val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("coproc-pool"))
            val lifecycle = PoolLifecycle(Engine(scheduler)) { scope.cancel() }
            val front = PoolFacade(options.workers, options.taskTimeout, scope, lifecycle, worker.maxFrameSize, resends = options.retries > 0) { type ->
                classpath.check(type, "the class of a task or map function")
            }
            return ProcessPool(options, scheduler, scope, front)
        }
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
