package dev.coproc.java;

import dev.coproc.BlockingTask;
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

/**
 * Java's way to create coproc's shared objects: one static factory per type, where Kotlin calls a
 * constructor-like function ({@code Lock()}, {@code SharedIntArray(10)}...).
 *
 * <pre>{@code
 * try (JavaLock lock = Shared.lock(); SharedLong counter = Shared.sharedLong(0)) {
 *     lock.withLock(() -> counter.incrementAndGet());
 * }
 * }</pre>
 *
 * Each object's waits block the calling thread and honour interrupts; most also have a
 * {@link java.util.concurrent.CompletableFuture} form ({@code acquireAsync}, {@code awaitAsync}).
 */
public final class Shared {
    private Shared() {}

    /** A new lock in shared memory; see {@link JavaLock}. */
    public static JavaLock lock() {
        return JavaLock.create();
    }

    /** A new re-entrant lock in shared memory; see {@link JavaRLock}. */
    public static JavaRLock rLock() {
        return JavaRLock.create();
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

    /** A new condition in shared memory over a re-entrant lock of its own; see {@link JavaCondition}. */
    public static JavaCondition condition() {
        return JavaCondition.create();
    }

    /** A new condition in shared memory over {@code lock}, which stays the caller's to close. */
    public static JavaCondition condition(JavaLock lock) {
        return JavaCondition.create(lock);
    }

    /** A new condition in shared memory over the re-entrant {@code lock}, which stays the caller's to close. */
    public static JavaCondition condition(JavaRLock lock) {
        return JavaCondition.create(lock);
    }

    /** A new barrier in shared memory for {@code parties}; see {@link JavaBarrier}. */
    public static JavaBarrier barrier(int parties) {
        return JavaBarrier.create(parties);
    }

    /** A new barrier in shared memory for {@code parties} whose {@code action}, a record, runs once per round. */
    public static JavaBarrier barrier(int parties, BlockingTask<?> action) {
        return JavaBarrier.create(parties, action);
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
