package dev.coproc.java;

import dev.coproc.BarrierKt;
import dev.coproc.BlockingTask;
import dev.coproc.BlockingTasks;
import dev.coproc.SharedBarrier;
import dev.coproc.SharedObject;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.SyncCalls;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import kotlinx.serialization.Serializable;

/**
 * A meeting point for a fixed number of parties across processes, for Java callers: Python's
 * {@code multiprocessing.Barrier}. Each party calls {@link #await()}; the last to arrive opens it for all, and the
 * barrier serves the next round. Made here ({@link #create}) it lives in shared memory and may run an action
 * once per round; a manager's ({@link JavaManager#barrier}) works the same. Give it to a task (a record component
 * of type {@code JavaBarrier}) and the task's process meets at the same barrier.
 *
 * <pre>{@code
 * try (JavaBarrier start = JavaBarrier.create(3)) {
 *     pool.applyAsync(new Runner(start));    // record Runner(JavaBarrier start): start.await(), then run
 *     pool.applyAsync(new Runner(start));
 *     start.await();                         // all three go on together
 * }
 * }</pre>
 *
 * A wait that times out, is interrupted or is cancelled breaks the barrier for everyone, as in Python: the others get
 * {@link dev.coproc.BrokenBarrierException} until {@link #reset()}.
 */
@Serializable(with = JavaBarrier.Serializer.class)
public final class JavaBarrier implements AutoCloseable {
    private final SharedBarrier barrier;

    private JavaBarrier(SharedBarrier barrier) {
        this.barrier = barrier;
    }

    /** A new barrier in shared memory for {@code parties}. */
    public static JavaBarrier create(int parties) {
        return new JavaBarrier(BarrierKt.Barrier(parties, null));
    }

    /**
     * A new barrier in shared memory for {@code parties}, whose {@code action} (a record, as a task is) runs once per
     * round in the last arriving party's process before the parties go on. The action is encoded now.
     *
     * @throws dev.coproc.TaskEncodingException when {@code action} cannot be encoded
     */
    public static JavaBarrier create(int parties, BlockingTask<?> action) {
        return new JavaBarrier(BarrierKt.Barrier(parties, BlockingTasks.task(action)));
    }

    /** Wraps a barrier of any engine made by Kotlin code. */
    public static JavaBarrier wrap(SharedBarrier barrier) {
        return new JavaBarrier(barrier);
    }

    /**
     * Arrives and waits for the other parties; returns this party's arrival index, from 0 to {@code parties() - 1}.
     *
     * @throws dev.coproc.BrokenBarrierException when the barrier is or becomes broken, or is reset while waiting
     */
    public int await() throws InterruptedException {
        return SyncCalls.await(barrier, null);
    }

    /**
     * Arrives and waits at most {@code timeout} for the other parties.
     *
     * @throws dev.coproc.BrokenBarrierException also when the timeout passes, which breaks the barrier for all
     */
    public int await(Duration timeout) throws InterruptedException {
        return SyncCalls.await(barrier, timeout);
    }

    /** Arrives without blocking the caller; the future completes with the arrival index, and cancelling it breaks the barrier. */
    public CompletableFuture<Integer> awaitAsync(Duration timeout) {
        return SyncCalls.awaitAsync(barrier, timeout);
    }

    /** Breaks the barrier: current and later waiters get {@link dev.coproc.BrokenBarrierException} until {@link #reset()}. */
    public void abort() {
        barrier.abort();
    }

    /** Returns the barrier to its empty state for a new round; parties waiting now get {@link dev.coproc.BrokenBarrierException}. */
    public void reset() {
        barrier.reset();
    }

    /** How many parties must arrive to open it. */
    public int parties() {
        return barrier.getParties();
    }

    /** Parties waiting now (a snapshot). */
    public int waiting() {
        return barrier.getWaiting();
    }

    /** Whether it is broken now. */
    public boolean isBroken() {
        return barrier.isBroken();
    }

    /** Lets go of this process's handle (a shared-memory barrier's mapping); the barrier lives on where it is held. */
    @Override
    public void close() {
        if (barrier instanceof SharedObject memory) memory.close();
    }

    /** The Kotlin barrier behind this facade. */
    public SharedBarrier asKotlin() {
        return barrier;
    }

    @Override
    public String toString() {
        return barrier.toString();
    }

    /** Travels as the engine's barrier it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaBarrier, SharedBarrier> {
        Serializer() {
            super(SyncCalls.barrierSerializer(), JavaBarrier::new, facade -> facade.barrier);
        }
    }
}
