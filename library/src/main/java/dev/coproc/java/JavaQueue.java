package dev.coproc.java;

import dev.coproc.QueueKt;
import dev.coproc.SharedQueue;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.ItemSerializers;
import dev.coproc.java.internal.QueueCalls;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import kotlinx.serialization.KSerializer;
import kotlinx.serialization.Serializable;

/**
 * A queue shared between processes, for Java callers: Python's {@code multiprocessing.Queue}. Made here
 * ({@link #create}) it lives in shared memory; a manager's ({@link JavaManager#queue}) works the same. Give it to a
 * task (a record component of type {@code JavaQueue<T>}) and the task's process uses the same queue, whichever
 * engine made it.
 *
 * <pre>{@code
 * try (JavaQueue<Integer> queue = JavaQueue.create(Integer.class)) {
 *     pool.apply(new Produce(queue, 100));             // record Produce(JavaQueue<Integer> queue, int n)
 *     int first = queue.get();                           // blocks; get(Duration), getAsync(), getNowait()
 * }
 * }</pre>
 *
 * Items are encoded as their class declares ({@code Integer}, {@code String}, a record, an enum...); a class
 * that cannot travel fails {@link #create} with an {@link IllegalArgumentException} that says why. The blocking calls
 * wait on the caller's thread; interrupting it cancels the wait and throws {@link InterruptedException}.
 * {@link #close()} lets go of this process's handle; {@link #shutdown()} ends the queue's input for everyone. On a
 * manager's or a cluster's queue the calls that do not wait ({@code size}, {@code putNowait}...) are a round trip:
 * an interrupt during one keeps the thread's flag and throws {@link java.util.concurrent.CancellationException}.
 *
 * @param <T> the items' type
 */
@Serializable(with = JavaQueue.Serializer.class)
public sealed class JavaQueue<T> implements AutoCloseable permits JavaJoinableQueue {
    final SharedQueue<T> queue;

    JavaQueue(SharedQueue<T> queue) {
        this.queue = queue;
    }

    /** A new unbounded queue of {@code items}. */
    public static <T> JavaQueue<T> create(Class<T> items) {
        return create(items, QueueKt.UNBOUNDED);
    }

    /** A new queue of {@code items} that holds at most {@code capacity} of them. */
    public static <T> JavaQueue<T> create(Class<T> items, int capacity) {
        return new JavaQueue<>(QueueKt.Queue(ItemSerializers.of(items), capacity, QueueKt.DEFAULT_QUEUE_BUFFER_BYTES));
    }

    /**
     * Wraps a queue of any engine made by Kotlin code.
     *
     * @throws IllegalArgumentException when its items are nullable ({@code Queue<String?>}): a Java queue's are not
     */
    public static <T> JavaQueue<T> wrap(SharedQueue<T> queue) {
        return new JavaQueue<>(QueueCalls.notNullItems(queue));
    }

    /** Puts {@code item} (never null) at the end, waiting for room as long as it takes. */
    public void put(T item) throws InterruptedException {
        QueueCalls.put(queue, Objects.requireNonNull(item, "a JavaQueue's items are never null"), null);
    }

    /**
     * Puts {@code item} at the end, waiting up to {@code timeout} for room.
     *
     * @throws dev.coproc.QueueFullException when it stayed full that long
     */
    public void put(T item, Duration timeout) throws InterruptedException {
        QueueCalls.put(queue, Objects.requireNonNull(item, "a JavaQueue's items are never null"), timeout);
    }

    /** Puts {@code item} when there is room; cancelling the future gives up. */
    public CompletableFuture<Void> putAsync(T item) {
        return QueueCalls.putAsync(queue, Objects.requireNonNull(item, "a JavaQueue's items are never null"));
    }

    /**
     * Puts {@code item} now.
     *
     * @throws dev.coproc.QueueFullException when the queue is full
     */
    public void putNowait(T item) {
        QueueCalls.putNow(queue, Objects.requireNonNull(item, "a JavaQueue's items are never null"));
    }

    /** Takes the first item, waiting for one as long as it takes. */
    public T get() throws InterruptedException {
        return QueueCalls.get(queue, null);
    }

    /**
     * Takes the first item, waiting up to {@code timeout} for one.
     *
     * @throws dev.coproc.QueueEmptyException when none came that long
     */
    public T get(Duration timeout) throws InterruptedException {
        return QueueCalls.get(queue, timeout);
    }

    /** Takes the first item when there is one; cancelling the future gives up. */
    public CompletableFuture<T> getAsync() {
        return QueueCalls.getAsync(queue);
    }

    /**
     * Takes the first item now.
     *
     * @throws dev.coproc.QueueEmptyException when the queue is empty
     */
    public T getNowait() {
        return QueueCalls.getNow(queue);
    }

    /** Items in the queue now (other processes change it). */
    public int size() {
        return QueueCalls.size(queue);
    }

    /** Whether no item is in the queue now. */
    public boolean isEmpty() {
        return QueueCalls.size(queue) == 0;
    }

    /** The most items it holds. */
    public int capacity() {
        return QueueCalls.capacity(queue);
    }

    /**
     * Ends the input for every process: puts fail from now on, gets drain what is left, then fail too.
     *
     * @throws UnsupportedOperationException for a cluster's queue, which has no shutdown
     */
    public void shutdown() {
        QueueCalls.shutdown(queue);
    }

    /** Whether any process shut the queue down. */
    public boolean isShutdown() {
        return QueueCalls.isShutdown(queue);
    }

    /** Lets go of this process's handle (a shared-memory queue's mapping); the queue lives on where it is held. */
    @Override
    public void close() {
        QueueCalls.close(queue);
    }

    /** The Kotlin queue behind this facade. */
    public SharedQueue<T> asKotlin() {
        return queue;
    }

    @Override
    public String toString() {
        return queue.toString();
    }

    /** Travels as the queue it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaQueue<Object>, SharedQueue<Object>> {
        Serializer(KSerializer<Object> items) {
            super(QueueCalls.serializer(items), JavaQueue::new, facade -> facade.queue);
        }
    }
}
