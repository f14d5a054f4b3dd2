package dev.coproc.java;

import dev.coproc.Barrier;
import dev.coproc.BarrierKt;
import dev.coproc.BoundedSemaphore;
import dev.coproc.Condition;
import dev.coproc.ConditionKt;
import dev.coproc.Event;
import dev.coproc.EventKt;
import dev.coproc.Lock;
import dev.coproc.LockKt;
import dev.coproc.RLock;
import dev.coproc.RLockKt;
import dev.coproc.Semaphore;
import dev.coproc.SemaphoreKt;
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

    public static Lock lock() {
        return LockKt.Lock();
    }

    public static RLock rLock() {
        return RLockKt.RLock();
    }

    public static Semaphore semaphore(long value) {
        return SemaphoreKt.Semaphore(value);
    }

    public static BoundedSemaphore boundedSemaphore(long value) {
        return SemaphoreKt.BoundedSemaphore(value);
    }

    public static Event event() {
        return EventKt.Event();
    }

    /** A condition over a new re-entrant lock of its own. */
    public static Condition condition() {
        return ConditionKt.Condition();
    }

    /** A condition over {@code lock}, which stays the caller's to close. */
    public static Condition condition(Lock lock) {
        return ConditionKt.Condition(lock);
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
