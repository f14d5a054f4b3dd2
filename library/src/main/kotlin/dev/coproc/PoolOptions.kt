package dev.coproc

import kotlin.time.Duration
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration

/**
 * How a [ProcessPool] runs: number of workers, a task run once in each worker before any other
 * ([initializer]), worker recycling ([maxTasksPerChild]), a per-task [taskTimeout], [retries] of tasks whose
 * worker died, and the workers' JVM options.
 */
public class PoolOptions private constructor(builder: Builder) {
    /** Worker processes; the number of available processors by default. */
    public val workers: Int = builder.workers
    /**
     * Runs once in every new worker before it takes tasks (Python's `initializer`). Handles among its
     * arguments ([ReadOnlyData], queues, shared values...) stay open for the worker's life, for its tasks.
     */
    @get:JvmSynthetic
    public val initializer: Task<*>? = builder.initializer
    /** A worker is replaced after this many tasks (chunks, for `map`); 0 never. */
    public val maxTasksPerChild: Int = builder.maxTasksPerChild
    /** Default timeout of each task (each chunk, for `map`); null for none. */
    @get:JvmSynthetic
    public val taskTimeout: Duration? = builder.taskTimeout

    /** [taskTimeout] for Java callers (null: none). */
    public fun taskTimeout(): java.time.Duration? = taskTimeout?.toJavaDuration()
    /** How many times a task whose worker died is run again on a new worker before failing; 0 by default. */
    public val retries: Int = builder.retries
    /**
     * The worker JVMs' options; [WorkerOptions.terminateGrace] is also the grace after a cancel. By default
     * without the fast-start flags: pool workers live long, and C1-only code runs CPU-bound tasks about half
     * as fast (demo bench); the AppCDS archive still shortens their start.
     */
    public val workerOptions: WorkerOptions = builder.workerOptions

    /** Builds [PoolOptions]; every setter returns the builder. */
    public class Builder internal constructor() {
        @get:JvmSynthetic @set:JvmSynthetic
        internal var workers: Int = Runtime.getRuntime().availableProcessors()
        @get:JvmSynthetic @set:JvmSynthetic
        internal var initializer: Task<*>? = null
        @get:JvmSynthetic @set:JvmSynthetic
        internal var maxTasksPerChild: Int = 0
        @get:JvmSynthetic @set:JvmSynthetic
        internal var taskTimeout: Duration? = null
        @get:JvmSynthetic @set:JvmSynthetic
        internal var retries: Int = 0
        @get:JvmSynthetic @set:JvmSynthetic
        internal var workerOptions: WorkerOptions = DEFAULT_WORKER_OPTIONS

        /** See [PoolOptions.workers]. */
        public fun workers(value: Int): Builder = apply {
            require(value >= 1) { "a pool needs at least one worker, not $value" }
            workers = value
        }
        /** See [PoolOptions.initializer]. */
        @JvmSynthetic
        public fun initializer(value: Task<*>?): Builder = apply { initializer = value }

        /** See [PoolOptions.initializer]: a Java record, run as [Pool.apply] runs one. */
        public fun initializer(value: BlockingTask<*>): Builder = apply { initializer = BlockingTasks.task(value) }
        /** See [PoolOptions.maxTasksPerChild]. */
        public fun maxTasksPerChild(value: Int): Builder = apply {
            require(value >= 0) { "maxTasksPerChild must be 0 (never) or positive, not $value" }
            maxTasksPerChild = value
        }
        /** See [PoolOptions.taskTimeout]. */
        @JvmSynthetic
        public fun taskTimeout(value: Duration?): Builder = apply { taskTimeout = value }
        /** See [PoolOptions.taskTimeout]. */
        public fun taskTimeout(value: java.time.Duration?): Builder = apply { taskTimeout = value?.toKotlinDuration() }
        /** See [PoolOptions.retries]. */
        public fun retries(value: Int): Builder = apply {
            require(value >= 0) { "retries must not be negative: $value" }
            retries = value
        }
        /** See [PoolOptions.workerOptions]. */
        public fun workerOptions(value: WorkerOptions): Builder = apply { workerOptions = value }
        /** The options. */
        public fun build(): PoolOptions = PoolOptions(this)
    }

    public companion object {
        /** Pool workers' default JVM options: full JIT and the JVM's default GC. */
        @JvmField
        public val DEFAULT_WORKER_OPTIONS: WorkerOptions = WorkerOptions.builder().fastStart(false).build()

        /** A builder with the defaults. */
        @JvmStatic
        public fun builder(): Builder = Builder()
    }
}

/** The completed and total counts of a long `map`, for a progress bar. */
public class Progress internal constructor(
    /** Items done so far. */
    public val completed: Int,
    /** Items in the map. */
    public val total: Int,
) {
    override fun toString(): String = "$completed/$total"
}
