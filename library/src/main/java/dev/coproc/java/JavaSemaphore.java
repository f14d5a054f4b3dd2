package dev.coproc.java;

import dev.coproc.SemaphoreKt;
import dev.coproc.SharedObject;
import dev.coproc.SharedSemaphore;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.SyncCalls;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import kotlinx.serialization.Serializable;

/**
 * A counting semaphore shared between processes, for Java callers: Python's {@code multiprocessing.Semaphore}
 * (or {@code BoundedSemaphore}). Made here it lives in shared memory; a manager's ({@link JavaManager#semaphore})
 * or a cluster's works the same. Give it to a task (a record component of type {@code JavaSemaphore}) and the
 * task's process uses the same semaphore, whichever engine made it.
 *
 * The blocking calls honour interrupts: the wait stops, nothing is taken, {@link InterruptedException} is thrown.
 */
@Serializable(with = JavaSemaphore.Serializer.class)
public final class JavaSemaphore implements AutoCloseable {
    private final SharedSemaphore semaphore;

    private JavaSemaphore(SharedSemaphore semaphore) {
        this.semaphore = semaphore;
    }

    /** A new semaphore in shared memory with {@code permits} permits. */
    public static JavaSemaphore create(long permits) {
        return new JavaSemaphore(SemaphoreKt.Semaphore(permits));
    }

    /** A new semaphore that refuses a release beyond its {@code permits} ({@code IllegalStateException}). */
    public static JavaSemaphore bounded(long permits) {
        return new JavaSemaphore(SemaphoreKt.BoundedSemaphore(permits));
    }

    /** Wraps a semaphore of any engine made by Kotlin code. */
    public static JavaSemaphore wrap(SharedSemaphore semaphore) {
        return new JavaSemaphore(semaphore);
    }

    /** Takes a permit, waiting as long as it takes. */
    public void acquire() throws InterruptedException {
        SyncCalls.acquire(semaphore, null);
    }

    /** Takes a permit, waiting up to {@code timeout}; false if none came. */
    public boolean acquire(Duration timeout) throws InterruptedException {
        return SyncCalls.acquire(semaphore, timeout);
    }

    /** Takes a permit without blocking the caller; completes with false after {@code timeout} (null: no limit). */
    public CompletableFuture<Boolean> acquireAsync(Duration timeout) {
        return SyncCalls.acquireAsync(semaphore, timeout);
    }

    /** Takes a permit if one is free now. */
    public boolean tryAcquire() {
        return semaphore.tryAcquire();
    }

    /** Gives one permit back. */
    public void release() {
        semaphore.release(1);
    }

    /** Gives {@code permits} permits back. */
    public void release(int permits) {
        semaphore.release(permits);
    }

    /** Runs {@code action} holding a permit, and gives it back however {@code action} ends. */
    public <R> R withPermit(BlockingSupplier<R> action) throws InterruptedException {
        acquire();
        try {
            return action.get();
        } finally {
            release();
        }
    }

    /** The free permits now (a snapshot). */
    public long value() {
        return semaphore.getValue();
    }

    /** Lets go of this process's handle (a shared-memory semaphore's mapping). */
    @Override
    public void close() {
        if (semaphore instanceof SharedObject memory) memory.close();
    }

    /** The Kotlin semaphore behind this facade. */
    public SharedSemaphore asKotlin() {
        return semaphore;
    }

    @Override
    public String toString() {
        return semaphore.toString();
    }

    /** Travels as the engine's semaphore it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaSemaphore, SharedSemaphore> {
        Serializer() {
            super(SyncCalls.semaphoreSerializer(), JavaSemaphore::new, facade -> facade.semaphore);
        }
    }
}
