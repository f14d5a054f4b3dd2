package dev.coproc.java;

import dev.coproc.LockKt;
import dev.coproc.SharedLock;
import dev.coproc.SharedObject;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.SyncCalls;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import kotlinx.serialization.Serializable;

/**
 * A lock shared between processes, for Java callers: Python's {@code multiprocessing.Lock}. It belongs to no
 * thread; any process may release it. Made here ({@link #create()}) it lives in shared memory; a manager's
 * ({@link JavaManager#lock()}) or a cluster's lock works the same. Give it to a task (a record component of
 * type {@code JavaLock}) and the task's process uses the same lock, whichever engine made it.
 *
 * <pre>{@code
 * try (JavaLock lock = JavaLock.create()) {
 *     lock.withLock(() -> counter.incrementAndGet());
 * }
 * }</pre>
 *
 * The blocking calls honour interrupts: the wait stops, nothing is taken, {@link InterruptedException} is thrown.
 */
@Serializable(with = JavaLock.Serializer.class)
public final class JavaLock implements AutoCloseable {
    private final SharedLock lock;

    private JavaLock(SharedLock lock) {
        this.lock = lock;
    }

    /** A new lock in shared memory, free. */
    public static JavaLock create() {
        return new JavaLock(LockKt.Lock());
    }

    /** Wraps a lock of any engine made by Kotlin code. */
    public static JavaLock wrap(SharedLock lock) {
        return new JavaLock(lock);
    }

    /** Acquires the lock, waiting as long as it takes. */
    public void acquire() throws InterruptedException {
        SyncCalls.acquire(lock, null);
    }

    /** Acquires the lock, waiting up to {@code timeout}; false if it did not get it. */
    public boolean acquire(Duration timeout) throws InterruptedException {
        return SyncCalls.acquire(lock, timeout);
    }

    /** Acquires the lock without blocking the caller; completes with false after {@code timeout} (null: no limit). */
    public CompletableFuture<Boolean> acquireAsync(Duration timeout) {
        return SyncCalls.acquireAsync(lock, timeout);
    }

    /** Acquires the lock if it is free now. */
    public boolean tryAcquire() {
        return lock.tryAcquire();
    }

    /**
     * Releases the lock.
     *
     * @throws IllegalStateException when it is not locked
     */
    public void release() {
        lock.release();
    }

    /** Runs {@code action} holding the lock, and releases it however {@code action} ends. */
    public <R> R withLock(BlockingSupplier<R> action) throws InterruptedException {
        acquire();
        try {
            return action.get();
        } finally {
            release();
        }
    }

    /** Whether any process holds it now (a snapshot). */
    public boolean isLocked() {
        return lock.isLocked();
    }

    /** For the holder: whether it took the lock over from a process that died holding it. */
    public boolean previousOwnerDied() {
        return lock.getPreviousOwnerDied();
    }

    /** Lets go of this process's handle (a shared-memory lock's mapping); the lock lives on where it is held. */
    @Override
    public void close() {
        if (lock instanceof SharedObject memory) memory.close();
    }

    /** The Kotlin lock behind this facade. */
    public SharedLock asKotlin() {
        return lock;
    }

    @Override
    public String toString() {
        return lock.toString();
    }

    /** Travels as the engine's lock it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaLock, SharedLock> {
        Serializer() {
            super(SyncCalls.lockSerializer(), JavaLock::new, facade -> facade.lock);
        }
    }
}
