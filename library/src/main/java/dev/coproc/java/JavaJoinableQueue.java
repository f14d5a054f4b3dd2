package dev.coproc.java;

import dev.coproc.QueueKt;
import dev.coproc.SharedQueue;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.ItemSerializers;
import dev.coproc.java.internal.QueueCalls;
import java.time.Duration;
import kotlinx.serialization.KSerializer;
import kotlinx.serialization.Serializable;

/**
 * A {@link JavaQueue} that counts the items not yet processed: Python's {@code JoinableQueue}. Each consumer calls
 * {@link #taskDone()} once per item it finished, and {@link #join()} waits until every item put was. Made here
 * ({@link #create}) it lives in shared memory; a manager's ({@link JavaManager#joinableQueue}) works the same.
 *
 * <pre>{@code
 * try (JavaJoinableQueue<String> jobs = JavaJoinableQueue.create(String.class)) {
 *     pool.applyAsync(new Consume(jobs));          // record Consume(JavaJoinableQueue<String> jobs): get, work, taskDone
 *     jobs.put("a");
 *     jobs.join();                                 // returns once "a" was marked done
 * }
 * }</pre>
 *
 * @param <T> the items' type
 */
@Serializable(with = JavaJoinableQueue.Serializer.class)
public final class JavaJoinableQueue<T> extends JavaQueue<T> {
    private JavaJoinableQueue(SharedQueue<T> queue) {
        super(queue);
    }

    /** A new unbounded joinable queue of {@code items} in shared memory. */
    public static <T> JavaJoinableQueue<T> create(Class<T> items) {
        return create(items, QueueKt.UNBOUNDED);
    }

    /** A new joinable queue of {@code items} in shared memory that holds at most {@code capacity} of them. */
    public static <T> JavaJoinableQueue<T> create(Class<T> items, int capacity) {
        return new JavaJoinableQueue<>(QueueKt.JoinableQueue(ItemSerializers.of(items), capacity, QueueKt.DEFAULT_QUEUE_BUFFER_BYTES));
    }

    /**
     * Wraps a joinable queue made by Kotlin code (a {@code JoinableQueue} or a {@code ManagedJoinableQueue}).
     *
     * @throws IllegalArgumentException when it is not joinable, or its items are nullable
     */
    public static <T> JavaJoinableQueue<T> wrap(SharedQueue<T> queue) {
        return new JavaJoinableQueue<>(QueueCalls.joinable(queue));
    }

    /**
     * Marks one item taken from the queue as processed.
     *
     * @throws IllegalStateException when called more times than items were put
     */
    public void taskDone() throws InterruptedException {
        QueueCalls.taskDone(queue);
    }

    /** Waits until every item put so far was marked done. */
    public void join() throws InterruptedException {
        QueueCalls.join(queue, null);
    }

    /** Waits until every item put so far was marked done, at most {@code timeout}; false if the timeout came first. */
    public boolean join(Duration timeout) throws InterruptedException {
        return QueueCalls.join(queue, timeout);
    }

    /** Items put and not yet marked done. */
    public int unfinished() throws InterruptedException {
        return QueueCalls.unfinished(queue);
    }

    /** Travels as the joinable queue it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaJoinableQueue<Object>, SharedQueue<Object>> {
        Serializer(KSerializer<Object> items) {
            super(QueueCalls.joinableSerializer(items), JavaJoinableQueue::new, facade -> facade.queue);
        }
    }
}
