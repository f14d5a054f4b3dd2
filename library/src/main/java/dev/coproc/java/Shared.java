package dev.coproc.java;

import dev.coproc.Barrier;
import dev.coproc.BarrierKt;
import dev.coproc.Condition;
import dev.coproc.ConditionKt;
import dev.coproc.Lock;
import dev.coproc.RLock;
import dev.coproc.RLockKt;
import dev.coproc.SharedArraysKt;
import dev.coproc.SharedDouble;
import dev.coproc.SharedDoubleArray;
import dev.coproc.SharedInt;
import dev.coproc.SharedIntArray;
import dev.coproc.SharedLong;
import dev.coproc.SharedLongArray;
import dev.coproc.SharedString;
import dev.coproc.SharedTextKt;
import dev.coproc.SharedValuesKt;
import dev.coproc.Task;

/**
 * Java's way to create coproc's shared objects: one static factory per type, where Kotlin calls a
 * constructor-like function ({@code Lock()}, {@code SharedIntArray(10)}...).
 *
 * <pre>{@code
 * try (Lock lock = Shared.lock(); SharedLong counter = Shared.sharedLong(0)) {
 *     lock.withLockBlocking(() -> counter.incrementAndGet());
 * }
 * }</pre>
 *
 * Each object's waits have a blocking form ({@code acquireBlocking}, {@code waitBlocking}) and a
 * {@link java.util.concurrent.CompletableFuture} form ({@code acquireAsync}, {@code waitAsync}).
 */
public final class Shared {
    private Shared() {}

    /** A new lock in shared memory; see {@link JavaLock}. */
    public static JavaLock lock() {
        return JavaLock.create();
    }

    public static RLock rLock() {
        return RLockKt.RLock();
    }

    /** A new semaphore in shared memory with {@code value} permits; see {@link JavaSemaphore}. */
    public static JavaSemaphore semaphore(long value) {
        return JavaSemaphore.create(value);
    }

    /** A new semaphore that refuses a release beyond {@code value}; see {@link JavaSemaphore#bounded}. */
    public static JavaSemaphore boundedSemaphore(long value) {
        return JavaSemaphore.bounded(value);
    }

    /** A new event in shared memory; see {@link JavaEvent}. */
    public static JavaEvent event() {
        return JavaEvent.create();
    }

    /** A condition over a new re-entrant lock of its own. */
    public static Condition condition() {
        return ConditionKt.Condition();
    }

    /**
     * A condition over {@code lock}, which stays the caller's to close.
     *
     * @throws IllegalArgumentException when {@code lock} is not a shared-memory lock (a manager's or a cluster's)
     */
    public static Condition condition(JavaLock lock) {
        if (!(lock.asKotlin() instanceof Lock local)) {
            throw new IllegalArgumentException("a condition needs a shared-memory lock (JavaLock.create()), not " + lock);
        }
        return ConditionKt.Condition(local);
    }

    /** A barrier for {@code parties}; {@code action} (a {@code @Serializable} task, or null) runs once per round. */
    public static Barrier barrier(int parties, Task<?> action) {
        return BarrierKt.Barrier(parties, action);
    }

    public static SharedInt sharedInt(int initial) {
        return SharedValuesKt.SharedInt(initial);
    }

    public static SharedLong sharedLong(long initial) {
        return SharedValuesKt.SharedLong(initial);
    }

    public static SharedDouble sharedDouble(double initial) {
        return SharedValuesKt.SharedDouble(initial);
    }

    public static SharedString sharedString(int capacity, String initial) {
        return SharedTextKt.SharedString(capacity, initial);
    }

    public static SharedIntArray intArray(int... contents) {
        return SharedArraysKt.SharedIntArray(contents);
    }

    public static SharedLongArray longArray(long... contents) {
        return SharedArraysKt.SharedLongArray(contents);
    }

    public static SharedDoubleArray doubleArray(double... contents) {
        return SharedArraysKt.SharedDoubleArray(contents);
    }
}
