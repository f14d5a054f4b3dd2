package dev.coproc.java;

import dev.coproc.BlockingFunction;
import dev.coproc.BlockingTask;
import dev.coproc.BlockingTasks;
import dev.coproc.PoolOptions;
import dev.coproc.Progress;
import dev.coproc.ProcessPool;
import dev.coproc.Task;
import dev.coproc.java.internal.PoolCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * {@link ProcessPool} for Java callers: {@link CompletableFuture}s, blocking calls returning {@link List}s, and
 * {@link Stream}s for {@code imap}.
 *
 * <pre>{@code
 * try (JavaPool pool = JavaPool.create(4)) {          // close() closes the pool and waits for its workers
 *     int nine = pool.apply(new Square(3));
 *     List<Integer> squares = pool.map(List.of(1, 2, 3), SquareFn.INSTANCE);
 *     pool.imap(List.of(1, 2, 3), SquareFn.INSTANCE).forEach(System.out::println);
 * }
 * }</pre>
 *
 * Failures are the Kotlin API's {@code CoprocException} subtypes, thrown directly by the blocking calls. The
 * blocking calls wait on the caller's thread; interrupting it cancels the call (its tasks in the workers too)
 * and throws {@link InterruptedException}.
 */
public final class JavaPool implements AutoCloseable {
    private final ProcessPool pool;

    private JavaPool(ProcessPool pool) {
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

    /** Submits {@code task}, a record; cancelling the future interrupts its {@code call()} in the worker. */
    public <R> CompletableFuture<R> applyAsync(BlockingTask<R> task) {
        return pool.applyFuture(BlockingTasks.task(task), null);
    }

    /** Submits {@code task} with a timeout of its own. */
    public <R> CompletableFuture<R> applyAsync(BlockingTask<R> task, Duration timeout) {
        return pool.applyFuture(BlockingTasks.task(task), timeout);
    }

    /** Runs {@code task} and blocks for its result. */
    public <R> R apply(BlockingTask<R> task) throws InterruptedException {
        return PoolCalls.apply(pool, BlockingTasks.task(task), null);
    }

    /** Applies {@code function}, a record, to every item; results in input order. */
    public <T, R> CompletableFuture<List<R>> mapAsync(List<T> items, BlockingFunction<T, R> function) {
        return pool.mapFuture(items, BlockingTasks.function(function), 0);
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

    /** Results in input order as they are ready (Python's {@code imap}). */
    public <T, R> Stream<R> imap(Iterable<T> items, BlockingFunction<T, R> function) {
        return stream(pool.imapIterator(items, BlockingTasks.function(function), 1, true));
    }

    /** Results in completion order (Python's {@code imap_unordered}). */
    public <T, R> Stream<R> imapUnordered(Iterable<T> items, BlockingFunction<T, R> function) {
        return stream(pool.imapIterator(items, BlockingTasks.function(function), 1, false));
    }

    /** No new tasks; queued ones still run. */
    public void closePool() {
        pool.close();
    }

    /** Stops now; pending tasks fail with {@code PoolTerminatedException}. */
    public void terminate() {
        pool.terminate();
    }

    /**
     * Blocks until every worker has exited; only after {@link #closePool()} or {@link #terminate()}. An interrupt
     * stops the wait (the workers go on ending) and throws {@link InterruptedException}.
     */
    public void join() throws InterruptedException {
        PoolCalls.join(pool);
    }

    /** The pids of the running workers. */
    public List<Long> workerPids() {
        return pool.workerPids();
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
        }
    }

    /** The Kotlin pool behind this facade. */
    public ProcessPool asKotlin() {
        return pool;
    }

    private static <R> Stream<R> stream(Iterator<R> iterator) {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator, Spliterator.ORDERED), false);
    }
}
