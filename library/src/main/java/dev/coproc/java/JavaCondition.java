package dev.coproc.java;

import dev.coproc.ConditionKt;
import dev.coproc.CoroutineLock;
import dev.coproc.Lock;
import dev.coproc.RLock;
import dev.coproc.SharedObject;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.SyncCalls;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import kotlinx.serialization.Serializable;

/**
 * A condition variable shared between processes, for Java callers: Python's {@code multiprocessing.Condition},
 * named as {@link java.util.concurrent.locks.Condition} is ({@code await}, {@code signal}). It has a lock: take it
 * ({@link #acquire()} or {@link #withLock}), then {@link #await()} lets go of it, waits for a signal, and takes it
 * back. Made here ({@link #create()}) it lives in shared memory; a manager's ({@link JavaManager#condition()})
 * works the same. Give it to a task (a record component of type {@code JavaCondition}) and the task's process uses
 * the same condition and lock.
 *
 * <pre>{@code
 * try (JavaCondition ready = JavaCondition.create()) {
 *     ready.withLock(() -> ready.awaitUntil(() -> flag.get() == 1, Duration.ofSeconds(5)));
 * }
 * }</pre>
 *
 * The blocking calls honour interrupts: an interrupted {@link #await()} takes the lock back and then throws
 * {@link InterruptedException}, so the caller's {@code finally} releases a lock it holds.
 */
@Serializable(with = JavaCondition.Serializer.class)
public final class JavaCondition implements AutoCloseable {
    private final CoroutineLock condition;

    private JavaCondition(CoroutineLock condition) {
        this.condition = condition;
    }

    /** A new condition in shared memory over a re-entrant lock of its own, which it closes with itself. */
    public static JavaCondition create() {
        return new JavaCondition(ConditionKt.Condition());
    }

    /**
     * A new condition in shared memory over {@code lock}, which stays the caller's to close.
     *
     * @throws IllegalArgumentException when {@code lock} is a manager's or a cluster's lock (take
     *     {@link JavaManager#condition(JavaLock)} for a manager's)
     */
    public static JavaCondition create(JavaLock lock) {
        if (!(lock.asKotlin() instanceof Lock local)) {
            throw new IllegalArgumentException("a shared-memory condition needs a shared-memory lock (JavaLock.create()), not " + lock);
        }
        return new JavaCondition(ConditionKt.Condition(local));
    }

    /**
     * A new condition in shared memory over the re-entrant {@code lock}, which stays the caller's to close.
     *
     * @throws IllegalArgumentException when {@code lock} is a manager's (take {@link JavaManager#condition(JavaRLock)})
     */
    public static JavaCondition create(JavaRLock lock) {
        if (!(lock.asKotlin() instanceof RLock local)) {
            throw new IllegalArgumentException("a shared-memory condition needs a shared-memory lock (JavaRLock.create()), not " + lock);
        }
        return new JavaCondition(ConditionKt.Condition(local));
    }

    /**
     * Wraps a condition made by Kotlin code (a {@code Condition} or a {@code ManagedCondition}).
     *
     * @throws IllegalArgumentException when {@code condition} is neither
     */
    public static JavaCondition wrap(CoroutineLock condition) {
        return new JavaCondition(SyncCalls.condition(condition));
    }

    /** Takes the condition's lock for the calling thread, waiting as long as it takes. */
    public void acquire() throws InterruptedException {
        SyncCalls.acquire(condition, null);
    }

    /** Takes the condition's lock, waiting up to {@code timeout}; false if it did not get it. */
    public boolean acquire(Duration timeout) throws InterruptedException {
        return SyncCalls.acquire(condition, timeout);
    }

    /** Lets go of the condition's lock (one level of a re-entrant one); completes even if the thread is interrupted. */
    public void release() {
        SyncCalls.release(condition);
    }

    /** Runs {@code action} holding the condition's lock, and releases it however {@code action} ends. */
    public <R> R withLock(BlockingSupplier<R> action) throws InterruptedException {
        acquire();
        try {
            return action.get();
        } finally {
            release();
        }
    }

    /**
     * Lets go of the lock, waits for a signal, and takes the lock back. Called holding the lock.
     *
     * @throws IllegalStateException when the calling thread does not hold the lock
     */
    public void await() throws InterruptedException {
        SyncCalls.await(condition, null);
    }

    /** As {@link #await()}, waiting at most {@code timeout}; true if signalled, false if the time ran out. */
    public boolean await(Duration timeout) throws InterruptedException {
        return SyncCalls.await(condition, timeout);
    }

    /**
     * Waits until {@code predicate} holds (checked with the lock held, before each wait and after it), at most
     * {@code timeout} (null: no limit); returns its last value. Called holding the lock.
     */
    public boolean awaitUntil(BooleanSupplier predicate, Duration timeout) throws InterruptedException {
        return SyncCalls.awaitUntil(condition, timeout, predicate);
    }

    /** Wakes one waiter. Called holding the lock. */
    public void signal() throws InterruptedException {
        SyncCalls.signal(condition, 1);
    }

    /** Wakes up to {@code n} waiters. Called holding the lock. */
    public void signal(int n) throws InterruptedException {
        SyncCalls.signal(condition, n);
    }

    /** Wakes every waiter. Called holding the lock. */
    public void signalAll() throws InterruptedException {
        SyncCalls.signalAll(condition);
    }

    /** Lets go of this process's handle (a shared-memory condition's mapping, and its own lock's). */
    @Override
    public void close() {
        if (condition instanceof SharedObject memory) memory.close();
    }

    /** The Kotlin condition behind this facade. */
    public CoroutineLock asKotlin() {
        return condition;
    }

    @Override
    public String toString() {
        return condition.toString();
    }

    /** Travels as the engine's condition it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaCondition, CoroutineLock> {
        Serializer() {
            super(SyncCalls.conditionSerializer(), JavaCondition::new, facade -> facade.condition);
        }
    }
}
