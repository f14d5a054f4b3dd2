package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.Barrier;
import dev.coproc.BrokenBarrierException;
import dev.coproc.Condition;
import dev.coproc.IncrementAtomically;
import dev.coproc.RLock;
import dev.coproc.SharedLong;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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
             JavaProcess<kotlin.Unit> warmUp = JavaProcess.of(new IncrementAtomically(counter, 1)).start()) {
            warmUp.join();
            lock.acquireAsync(null).get(10, TimeUnit.SECONDS);
        }
        fdsBefore = TestHygiene.openFds();
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
        }
    }

    @Test
    void rLockIsReentrantForItsThread() throws Exception {
        try (RLock lock = Shared.rLock()) {
            assertTrue(lock.acquireBlocking());
            assertTrue(lock.acquireBlocking());
            CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(() -> {
                try {
                    return lock.acquireBlocking(Duration.ofMillis(20));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertFalse(other.get(10, TimeUnit.SECONDS));
            lock.releaseBlocking();
            lock.releaseBlocking();
            assertFalse(lock.isLocked());
            assertThrows(IllegalStateException.class, lock::releaseBlocking);
        }
    }

    @Test
    void semaphoreAndBoundedSemaphore() throws Exception {
        try (JavaSemaphore semaphore = Shared.boundedSemaphore(1)) {
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
    void conditionWaitAndNotifyFromJavaThreads() throws Exception {
        try (Condition condition = Shared.condition(); SharedLong ready = Shared.sharedLong(0)) {
            CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    condition.acquireBlocking(null);
                    try {
                        ready.setValue(1);
                        return condition.waitBlocking(Duration.ofSeconds(10));
                    } finally {
                        condition.releaseBlocking();
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            while (true) {
                // Waits until the waiter is inside wait(): it holds the lock until then.
                condition.acquireBlocking(null);
                try {
                    if (ready.getValue() == 1) {
                        condition.notify(1);
                        break;
                    }
                } finally {
                    condition.releaseBlocking();
                }
            }
            assertTrue(waiter.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void barrierAsyncAndBlocking() throws Exception {
        try (Barrier barrier = Shared.barrier(2, null)) {
            CompletableFuture<Integer> first = barrier.waitAsync(Duration.ofSeconds(10));
            int second = barrier.waitBlocking(Duration.ofSeconds(10));
            assertEquals(1, first.get(10, TimeUnit.SECONDS) + second);
            barrier.abort();
            ExecutionException error = assertThrows(ExecutionException.class, () -> barrier.waitAsync(null).get(10, TimeUnit.SECONDS));
            assertTrue(error.getCause() instanceof BrokenBarrierException);
        }
    }

    @Test
    void aChildProcessIncrementsASharedCounter() throws Exception {
        try (SharedLong counter = Shared.sharedLong(0)) {
            try (JavaProcess<kotlin.Unit> child = JavaProcess.of(new IncrementAtomically(counter, 1000)).start()) {
                child.get();
                assertEquals(0, child.join());
            }
            assertEquals(1000L, counter.getValue());
        }
    }
}
