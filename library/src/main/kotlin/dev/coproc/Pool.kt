package dev.coproc

import kotlin.time.Duration
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.flow.Flow

/**
 * A pool of worker processes (Python's `multiprocessing.Pool`): tasks and mapped items run in reused
 * workers; results come back in the caller's coroutine.
 *
 * Every suspending call is cancellable: cancelling the caller cancels its task in the worker (the task's
 * coroutine there is cancelled; a worker that does not stop within the grace period is killed and
 * replaced). A worker that dies mid-task fails that task with [ProcessDiedException] and is replaced; no
 * call hangs because a worker died.
 *
 * Lifecycle as in Python: [close] (no new tasks; queued ones still run), [terminate] (stop now; pending
 * tasks fail with [PoolTerminatedException]), then [join].
 */
public interface Pool : AutoCloseable {
    /** Runs [task] in a worker and returns its result; [timeout] overrides the pool's task timeout. */
    public suspend fun <R> apply(task: Task<R>, timeout: Duration? = null): R

    /** Submits [task] now and returns its result as a [Deferred]; cancelling it cancels the task. */
    public fun <R> applyAsync(task: Task<R>, timeout: Duration? = null): Deferred<R>

    /**
     * Applies [function] to every item, in chunks of [chunkSize] items per message (0: Python's default,
     * about four chunks per worker), and returns the results in input order. The first failure cancels
     * the remaining chunks and is thrown. [onProgress] is called as chunks complete, on an internal thread:
     * keep it short (update a `StateFlow`, a progress bar).
     *
     * The list is read-only. Int, Long and Double items and results cross unboxed: a range such as
     * `0 until n` is never expanded into boxes, and numeric results stay in one primitive array behind the list.
     */
    public suspend fun <T, R> map(
        items: Iterable<T>,
        function: TaskFunction<T, R>,
        chunkSize: Int = 0,
        onProgress: ((Progress) -> Unit)? = null,
    ): List<R>

    /** Runs every task, chunked as [map] does, and returns their results in input order. */
    public suspend fun <R> map(tasks: Iterable<Task<R>>, chunkSize: Int = 0, onProgress: ((Progress) -> Unit)? = null): List<R>

    /** [map] over pairs with a two-argument function (Python's `starmap`). */
    public suspend fun <A, B, R> starmap(
        items: Iterable<Pair<A, B>>,
        function: TaskFunction2<A, B, R>,
        chunkSize: Int = 0,
        onProgress: ((Progress) -> Unit)? = null,
    ): List<R>

    /**
     * Streams the results of [function] over [items] in input order as they are ready. Items are submitted
     * lazily, a bounded number of chunks ahead of the collector (back-pressure); cancelling the collection
     * cancels the chunks in flight.
     */
    public fun <T, R> imap(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int = 1): Flow<R>

    /** As [imap], in completion order. */
    public fun <T, R> imapUnordered(items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int = 1): Flow<R>

    /**
     * No new tasks; the queued ones still run, then the workers exit (Python's `close()`). As [AutoCloseable]
     * (`use { }`, try-with-resources) it lets go of the pool without waiting: [join] waits.
     */
    override fun close()

    /** Stops now: workers are killed, pending and running tasks fail with [PoolTerminatedException]. */
    public fun terminate()

    /**
     * Suspends until every worker has exited. Only after [close] or [terminate].
     *
     * @throws IllegalStateException when the pool is still open
     */
    public suspend fun join()
}

/**
 * Runs [block] on this pool, then closes it and waits for its tasks; if [block] throws (or is cancelled), the
 * pool is terminated first. The scoped form of every engine's pool (`processPool { }`, `clusterPool { }`).
 */
internal suspend fun <P : Pool, T> P.runScoped(block: suspend P.() -> T): T {
    val result = try {
        block()
    } catch (e: Throwable) {
        terminate()
        kotlinx.coroutines.withContext(kotlinx.coroutines.NonCancellable) { join() }
        throw e
    }
    close()
    join()
    return result
}
