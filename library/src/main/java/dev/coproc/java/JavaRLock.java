package dev.coproc.java;

import dev.coproc.CoroutineLock;
import dev.coproc.RLockKt;
import dev.coproc.SharedObject;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.SyncCalls;
import java.time.Duration;
import kotlinx.serialization.Serializable;

/**
 * A re-entrant lock shared between processes, for Java callers: Python's {@code multiprocessing.RLock}. The thread
 * that takes it holds it, may take it again, and must release it as many times; another thread or process waits.
 * Made here ({@link #create()}) it lives in shared memory; a manager's ({@link JavaManager#rLock()}) works the same.
 * Give it to a task (a record component of type {@code JavaRLock}) and the task's process uses the same lock.
 *
 * <pre>{@code
 * try (JavaRLock lock = JavaRLock.create()) {
 *     lock.withLock(() -> lock.withLock(() -> "taken twice by one thread"));
 * }
 * }</pre>
 *
 * The blocking calls honour interrupts: the wait stops, nothing is taken, {@link InterruptedException} is thrown. If
 * the process holding a shared-memory lock dies, the next one to take it gets it.
 */
@Serializable(with = JavaRLock.Serializer.class)
public final class JavaRLock implements AutoCloseable {
    private final CoroutineLock lock;

    private JavaRLock(CoroutineLock lock) {
        this.lock = lock;
    }

    /** A new re-entrant lock in shared memory, free. */
    public static JavaRLock create() {
        return new JavaRLock(RLockKt.RLock());
    }

    /**
     * Wraps a re-entrant lock made by Kotlin code (an {@code RLock} or a {@code ManagedRLock}).
     *
     * @throws IllegalArgumentException when {@code lock} is neither
     */
    public static JavaRLock wrap(CoroutineLock lock) {
        return new JavaRLock(SyncCalls.rLock(lock));
    }

    /** Takes the lock for the calling thread (once more, if it holds it), waiting as long as it takes. */
    public void acquire() throws InterruptedException {
        SyncCalls.acquire(lock, null);
    }

    /** Takes the lock for the calling thread, waiting up to {@code timeout}; false if it did not get it. */
    public boolean acquire(Duration timeout) throws InterruptedException {
        return SyncCalls.acquire(lock, timeout);
    }

    /**
     * Lets go of one level of the calling thread's holding; the last one frees the lock. It completes even if the
     * thread is interrupted (the interrupt flag stays set).
     *
     * @throws IllegalStateException when the calling thread does not hold it
     */
    public void release() {
        SyncCalls.release(lock);
    }

    /** Runs {@code action} holding the lock, and releases it (one level) however {@code action} ends. */
    public <R> R withLock(BlockingSupplier<R> action) throws InterruptedException {
        acquire();
        try {
            return action.get();
        } finally {
            release();
        }
    }

    /** How many times the calling thread holds it now (0: not at all). */
    public int holdCount() throws InterruptedException {
        return SyncCalls.holdCount(lock);
    }

    /** Lets go of this process's handle (a shared-memory lock's mapping); the lock lives on where it is held. */
    @Override
    public void close() {
        if (lock instanceof SharedObject memory) memory.close();
    }

    /** The Kotlin lock behind this facade. */
    public CoroutineLock asKotlin() {
        return lock;
    }

    @Override
    public String toString() {
        return lock.toString();
    }

    /** Travels as the engine's lock it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaRLock, CoroutineLock> {
        Serializer() {
            super(SyncCalls.rLockSerializer(), JavaRLock::new, facade -> facade.lock);
        }
    }
}
