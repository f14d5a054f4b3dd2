package dev.coproc.java;

import dev.coproc.BlockingFunction;
import dev.coproc.BlockingTask;
import dev.coproc.BlockingTasks;
import dev.coproc.Pool;
import dev.coproc.PoolOptions;
import dev.coproc.Progress;
import dev.coproc.ProcessPool;
import dev.coproc.Task;
import dev.coproc.internal.BlockingIterator;
import dev.coproc.java.internal.PoolCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import kotlinx.coroutines.CoroutineScope;

/**
 * A pool of worker processes for Java callers: Python's {@code multiprocessing.Pool}. Tasks are records
 * ({@link BlockingTask}, {@link BlockingFunction}); results come back from blocking calls returning {@link List}s,
 * from {@link CompletableFuture}s, and from {@link Stream}s for {@code imap}. The same facade runs a cluster's pool
 * ({@link JavaCluster#pool}).
 *
 * <pre>{@code
 * try (JavaPool pool = JavaPool.create(4)) {          // close() closes the pool and waits for its workers
 *     int nine = pool.apply(new Square(3));           // record Square(int x) implements BlockingTask<Integer>
 *     List<Integer> squares = pool.map(List.of(1, 2, 3), new SquareFn());
 *     try (Stream<Integer> results = pool.imap(List.of(1, 2, 3), new SquareFn())) {
 *         results.forEach(System.out::println);
 *     }
 * }
 * }</pre>
 *
 * Failures are the Kotlin API's {@code CoprocException} subtypes, thrown directly by the blocking calls. The
 * blocking calls wait on the caller's thread; interrupting it cancels the call (its tasks in the workers too)
 * and throws {@link InterruptedException}.
 */
public final class JavaPool implements AutoCloseable {
    private final Pool pool;
    private final CoroutineScope calls = PoolCalls.scope();

    private JavaPool(Pool pool) {
        this.pool = pool;
    }

    /** A pool of {@code workers} processes with default options. */
    public static JavaPool create(int workers) {
        return create(PoolOptions.builder().workers(workers).build());
    }

    /** A pool with {@code options}. */
    public static JavaPool create(PoolOptions options) {
        return new JavaPool(ProcessPool.create(options));
    }

    /** Wraps a pool of any engine made by Kotlin code (a {@code ProcessPool}, a {@code ClusterPool}). */
    public static JavaPool wrap(Pool pool) {
        return new JavaPool(pool);
    }

    /** Submits {@code task}, a record; cancelling the future interrupts its {@code call()} in the worker. */
    public <R> CompletableFuture<R> applyAsync(BlockingTask<R> task) {
        return PoolCalls.applyAsync(pool, BlockingTasks.task(task), null);
    }

    /** Submits {@code task} with a timeout of its own. */
    public <R> CompletableFuture<R> applyAsync(BlockingTask<R> task, Duration timeout) {
        return PoolCalls.applyAsync(pool, BlockingTasks.task(task), timeout);
    }

    /** Runs {@code task} and blocks for its result. */
    public <R> R apply(BlockingTask<R> task) throws InterruptedException {
        return PoolCalls.apply(pool, BlockingTasks.task(task), null);
    }

    /** Applies {@code function}, a record, to every item; results in input order. */
    public <T, R> CompletableFuture<List<R>> mapAsync(List<T> items, BlockingFunction<T, R> function) {
        return PoolCalls.mapAsync(calls, pool, items, BlockingTasks.function(function), 0);
    }

    /** Blocking {@link #mapAsync(List, BlockingFunction)}. */
    public <T, R> List<R> map(List<T> items, BlockingFunction<T, R> function) throws InterruptedException {
        return map(items, function, 0);
    }

    /** Blocking map with an explicit number of items per message. */
    public <T, R> List<R> map(List<T> items, BlockingFunction<T, R> function, int chunkSize) throws InterruptedException {
        return PoolCalls.map(pool, items, BlockingTasks.function(function), chunkSize, null);
    }

    /**
     * Blocking map that reports its progress: {@code onProgress} gets the completed and total counts as chunks
     * complete, on an internal thread (keep it short). {@code chunkSize} 0 chooses one.
     */
    public <T, R> List<R> map(List<T> items, BlockingFunction<T, R> function, int chunkSize, Consumer<Progress> onProgress)
            throws InterruptedException {
        return PoolCalls.map(pool, items, BlockingTasks.function(function), chunkSize, onProgress);
    }

    /**
     * Runs every task, records as {@link #apply(BlockingTask)} takes, in chunks; results in input order (as
     * {@link java.util.concurrent.ExecutorService#invokeAll}, with the results rather than their futures).
     */
    public <R> List<R> invokeAll(List<? extends BlockingTask<R>> tasks) throws InterruptedException {
        List<Task<R>> wrapped = new ArrayList<>(tasks.size());
        for (BlockingTask<R> task : tasks) wrapped.add(BlockingTasks.task(task));
        return PoolCalls.mapTasks(pool, wrapped, 0);
    }

    /**
     * Results in input order as they are ready (Python's {@code imap}). Close the stream (try-with-resources) to stop
     * the work before its end; an interrupt while it waits for a result keeps the thread's flag and throws
     * {@link java.util.concurrent.CancellationException}, as a stream declares no checked exception.
     */
    public <T, R> Stream<R> imap(Iterable<T> items, BlockingFunction<T, R> function) {
        return stream(PoolCalls.imap(calls, pool, items, BlockingTasks.function(function), true));
    }

    /** Results in completion order (Python's {@code imap_unordered}). */
    public <T, R> Stream<R> imapUnordered(Iterable<T> items, BlockingFunction<T, R> function) {
        return stream(PoolCalls.imap(calls, pool, items, BlockingTasks.function(function), false));
    }

    /** No new tasks; queued ones still run. */
    public void closePool() {
        pool.close();
    }

    /** Stops now; pending tasks fail with {@code PoolTerminatedException}. */
    public void terminate() {
        pool.terminate();
        PoolCalls.cancel(calls);
    }

    /**
     * Blocks until every worker has exited; only after {@link #closePool()} or {@link #terminate()}. An interrupt
     * terminates the pool (its workers are killed; no child is left), waits for that, and throws
     * {@link InterruptedException}.
     */
    public void join() throws InterruptedException {
        PoolCalls.join(pool);
    }

    /** The pids of the running workers; none for a cluster's pool, whose workers are threads of other machines. */
    public List<Long> workerPids() {
        return PoolCalls.workerPids(pool);
    }

    /**
     * Closes the pool and waits for its workers: queued tasks finish first. An interrupt during the wait
     * terminates the pool instead (its workers are killed, no child is left) and leaves the thread's interrupt
     * flag set.
     */
    @Override
    public void close() {
        pool.close();
        try {
            join();
        } catch (InterruptedException e) {
            pool.terminate();
            Thread.currentThread().interrupt();
        } finally {
            PoolCalls.cancel(calls);
        }
    }

    /** The Kotlin pool behind this facade. */
    public Pool asKotlin() {
        return pool;
    }

    /** A stream over {@code results}; closing the stream before its end stops the results still to come. */
    private static <R> Stream<R> stream(BlockingIterator<R> results) {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(results, Spliterator.ORDERED), false).onClose(results::close);
    }
}
