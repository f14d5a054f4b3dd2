package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.BlockingTask;
import dev.coproc.BrokenBarrierException;
import dev.coproc.SharedDouble;
import dev.coproc.SharedDoubleArray;
import dev.coproc.SharedInt;
import dev.coproc.SharedIntArray;
import dev.coproc.SharedLong;
import dev.coproc.SharedLongArray;
import dev.coproc.SharedString;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Shared objects from Java: static factories, blocking calls and futures. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedObjectsTest {
    private static long fdsBefore;

    @BeforeAll
    static void countFds() throws Exception {
        // Opens the reaper's and the poller's descriptors and loads native code once.
        try (JavaLock lock = Shared.lock(); SharedLong counter = Shared.sharedLong(0);
             JavaProcess<Void> warmUp = JavaProcess.of(new Increment(counter, 1)).start()) {
            warmUp.join();
            lock.acquireAsync(null).get(10, TimeUnit.SECONDS);
        }
        fdsBefore = TestHygiene.fdsBefore();
    }

    @AfterAll
    static void nothingLeft() throws Exception {
        TestHygiene.assertNothingLeft(fdsBefore);
    }

    @Test
    void lockBlockingAndAsync() throws Exception {
        try (JavaLock lock = Shared.lock(); SharedLong counter = Shared.sharedLong(0)) {
            assertEquals(1L, (long) lock.withLock(counter::incrementAndGet));
            lock.acquire();
            CompletableFuture<Boolean> waiting = lock.acquireAsync(Duration.ofSeconds(10));
            assertFalse(waiting.isDone());
            assertFalse(lock.acquire(Duration.ofMillis(20)));
            lock.release();
            assertTrue(waiting.get(10, TimeUnit.SECONDS));
            assertFalse(lock.acquireAsync(Duration.ofMillis(20)).get(10, TimeUnit.SECONDS));
            lock.release();
            assertThrows(IllegalStateException.class, lock::release);
            // A cancelled acquireAsync keeps nothing, even if its wait got the lock as it was cancelled.
            lock.acquire();
            CompletableFuture<Boolean> given = lock.acquireAsync(null);
            assertTrue(given.cancel(true));
            lock.release();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean free = false;
            while (!free && System.nanoTime() < deadline) free = lock.tryAcquire();
            assertTrue(free, "a cancelled acquireAsync kept the lock");
            lock.release();
        }
    }

    @Test
    void rLockIsReentrantForItsThread() throws Exception {
        try (JavaRLock lock = Shared.rLock()) {
            lock.acquire();
            assertTrue(lock.acquire(Duration.ofSeconds(1)));
            assertEquals(2, lock.holdCount());
            CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(() -> {
                try {
                    return lock.acquire(Duration.ofMillis(20));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertFalse(other.get(10, TimeUnit.SECONDS));
            lock.release();
            lock.release();
            assertEquals(0, lock.holdCount());
            assertThrows(IllegalStateException.class, lock::release);
            assertEquals("inner", lock.withLock(() -> lock.withLock(() -> "inner")));
        }
    }

    @Test
    void anInterruptedRLockWaitTakesNothing() throws Exception {
        try (JavaRLock lock = Shared.rLock()) {
            lock.acquire();
            CompletableFuture<Throwable> thrown = new CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try {
                    lock.acquire();
                    thrown.complete(null);
                } catch (Throwable e) {
                    thrown.complete(e);
                }
            });
            waiter.start();
            waiter.interrupt();
            assertInstanceOf(InterruptedException.class, thrown.get(10, TimeUnit.SECONDS));
            lock.release();
            assertTrue(CompletableFuture.supplyAsync(() -> {
                try {
                    return lock.withLock(() -> true);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).get(10, TimeUnit.SECONDS), "the lock stayed taken by the interrupted waiter");
        }
    }

    /** Takes the lock, says so, and holds it until killed. */
    record HoldForever(JavaLock lock, JavaEvent taken) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            lock.acquire();
            taken.set();
            Thread.sleep(Long.MAX_VALUE);
            return null;
        }
    }

    @Test
    void aLockWhoseHolderWasKilledPassesOnAndSaysSo() throws Exception {
        try (JavaLock lock = Shared.lock(); JavaEvent taken = Shared.event();
             JavaProcess<Void> holder = JavaProcess.of(new HoldForever(lock, taken)).start()) {
            assertTrue(taken.await(Duration.ofSeconds(30)));
            assertFalse(lock.tryAcquire());
            holder.kill();
            holder.join();
            assertTrue(lock.acquire(Duration.ofSeconds(10)), "the dead holder's lock did not pass on");
            assertTrue(lock.previousOwnerDied());
            lock.release();
        }
    }

    @Test
    void semaphoreAndBoundedSemaphore() throws Exception {
        try (JavaSemaphore plain = Shared.semaphore(1)) {
            plain.release();
            assertTrue(plain.tryAcquire() && plain.tryAcquire(), "a plain semaphore takes a release beyond its start");
        }
        try (JavaSemaphore semaphore = JavaSemaphore.bounded(1)) {
            assertTrue(semaphore.acquire(Duration.ofSeconds(1)));
            CompletableFuture<Boolean> waiting = semaphore.acquireAsync(null);
            semaphore.release();
            assertTrue(waiting.get(10, TimeUnit.SECONDS));
            semaphore.release();
            assertThrows(IllegalStateException.class, semaphore::release);
        }
    }

    @Test
    void eventWaitsEndOnSetFromAnotherThread() throws Exception {
        try (JavaEvent event = Shared.event()) {
            assertFalse(event.await(Duration.ofMillis(20)));
            CompletableFuture<Boolean> waiting = event.awaitAsync(null);
            CompletableFuture.runAsync(event::set);
            assertTrue(waiting.get(10, TimeUnit.SECONDS));
            event.await();
            assertTrue(event.isSet());
        }
    }

    @Test
    void conditionAwaitAndSignalFromJavaThreads() throws Exception {
        try (JavaCondition condition = Shared.condition(); SharedLong ready = Shared.sharedLong(0)) {
            CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    return condition.withLock(() -> {
                        ready.setValue(1);
                        return condition.await(Duration.ofSeconds(10));
                    });
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            // The waiter holds the lock until it is inside await(): then ready is 1 and the lock is free.
            while (!condition.withLock(() -> {
                if (ready.getValue() != 1) return false;
                condition.signal();
                return true;
            })) {
                Thread.onSpinWait();
            }
            assertTrue(waiter.get(10, TimeUnit.SECONDS));
            assertFalse(condition.withLock(() -> condition.await(Duration.ofMillis(20))), "no signal came");
            assertThrows(IllegalStateException.class, condition::await);
        }
    }

    /** Signals once {@code stage} is 1, then waits on the same condition for the parent to set it to 2. */
    record Handshake(JavaCondition condition, SharedLong stage) implements BlockingTask<Long> {
        @Override
        public Long call() throws InterruptedException {
            return condition.withLock(() -> {
                if (!condition.awaitUntil(() -> stage.getValue() == 1, Duration.ofSeconds(30))) return -1L;
                stage.setValue(2);
                condition.signalAll();
                return stage.getValue();
            });
        }
    }

    @Test
    void aConditionCrossesToAChildProcess() throws Exception {
        try (JavaCondition condition = Shared.condition(); SharedLong stage = Shared.sharedLong(0);
             JavaProcess<Long> child = JavaProcess.of(new Handshake(condition, stage)).start()) {
            boolean answered = condition.withLock(() -> {
                stage.setValue(1);
                condition.signalAll();
                return condition.awaitUntil(() -> stage.getValue() == 2, Duration.ofSeconds(30));
            });
            assertTrue(answered);
            assertEquals(2L, child.get());
        }
    }

    /** Counts its rounds in {@code rounds}: a barrier's action, run by the last party to arrive. */
    record CountRound(SharedInt rounds) implements BlockingTask<Void> {
        @Override
        public Void call() {
            rounds.incrementAndGet();
            return null;
        }
    }

    record Meet(JavaBarrier barrier) implements BlockingTask<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            return barrier.await(Duration.ofSeconds(30));
        }
    }

    @Test
    void barrierAsyncAndBlocking() throws Exception {
        try (JavaBarrier barrier = Shared.barrier(2)) {
            CompletableFuture<Integer> first = barrier.awaitAsync(Duration.ofSeconds(10));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (barrier.waiting() != 1 && System.nanoTime() < deadline) Thread.onSpinWait();
            assertEquals(1, barrier.waiting());
            int second = barrier.await(Duration.ofSeconds(10));
            assertEquals(1, first.get(10, TimeUnit.SECONDS) + second);
            assertEquals(2, barrier.parties());
            barrier.abort();
            assertTrue(barrier.isBroken());
            ExecutionException error = assertThrows(ExecutionException.class, () -> barrier.awaitAsync(null).get(10, TimeUnit.SECONDS));
            assertTrue(error.getCause() instanceof BrokenBarrierException);
            assertThrows(BrokenBarrierException.class, barrier::await);
            barrier.reset();
            assertFalse(barrier.isBroken());
        }
    }

    @Test
    void aBarrierWithARecordActionMeetsAChildProcess() throws Exception {
        try (SharedInt rounds = Shared.sharedInt(0); JavaBarrier barrier = Shared.barrier(2, new CountRound(rounds));
             JavaProcess<Integer> child = JavaProcess.of(new Meet(barrier)).start()) {
            int mine = barrier.await(Duration.ofSeconds(30));
            assertEquals(1, mine + child.get());
            assertEquals(1, rounds.getValue(), "the action ran once for the round");
        }
    }

    @Test
    void aChildProcessIncrementsASharedCounter() throws Exception {
        try (SharedLong counter = Shared.sharedLong(0)) {
            try (JavaProcess<Void> child = JavaProcess.of(new Increment(counter, 1000)).start()) {
                child.get();
                assertEquals(0, child.join());
            }
            assertEquals(1000L, counter.getValue());
        }
    }

    /** Adds 1 to {@code counter}, {@code times} times. */
    record Increment(SharedLong counter, int times) implements BlockingTask<Void> {
        @Override
        public Void call() {
            for (int i = 0; i < times; i++) counter.incrementAndGet();
            return null;
        }
    }

    @Test
    void sharedValuesAndArraysFromJava() throws Exception {
        try (SharedInt count = Shared.sharedInt(5); SharedString name = Shared.sharedString(16, "coproc");
             SharedIntArray ints = Shared.intArray(1, 2, 3); SharedDoubleArray doubles = Shared.doubleArray(0.5, 1.5);
             SharedLongArray longs = Shared.longArray(7L, 8L); SharedDouble ratio = Shared.sharedDouble(0.25)) {
            assertEquals(16L, longs.updateAndGet(1, x -> x * 2));
            assertEquals(0.5, ratio.updateAndGet(x -> x * 2), 0.0);
            assertEquals(0.5, ratio.withLockBlocking(ratio::getValue), 0.0);
            assertEquals(50, count.updateAndGet(x -> x * 10));
            assertEquals("coproc", name.getValue());
            assertEquals(30, ints.updateAndGet(2, x -> x * 10));
            assertEquals(List.of(1, 2, 30), IntStream.of(ints.copyOfRange(0, 3)).boxed().toList());
            assertEquals(3.0, doubles.updateAndGet(1, x -> x * 2), 0.0);
            assertEquals(2, doubles.getSize());
        }
    }
}
