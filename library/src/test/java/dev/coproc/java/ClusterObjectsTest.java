package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.BlockingFunction;
import dev.coproc.BlockingTask;
import dev.coproc.QueueEmptyException;
import dev.coproc.SharedCounter;
import dev.coproc.cluster.ClusterSettings;
import dev.coproc.cluster.TestCluster;
import dev.coproc.java.TestRecords.SquareFn;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The cluster from Java: a pool of record tasks and the shared objects, on a server node in this JVM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterObjectsTest {
    private static ClusterSettings settings;
    private static JavaCluster cluster;

    @BeforeAll
    static void startNode() {
        settings = TestCluster.INSTANCE.settings();
        cluster = JavaCluster.startServer(settings);
    }

    @AfterAll
    static void stopNode() throws Exception {
        cluster.close();
        TestCluster.INSTANCE.checkNothingLeft(settings);
        TestHygiene.assertNoChildren();
    }

    @Test
    void aClientNodeSeesTheServersObjects() throws Exception {
        assertFalse(cluster.isClient());
        assertTrue(cluster.serverCount() >= 1);
        assertTrue(cluster.serverCpus() >= 1);
        cluster.counter("java-shared-counter", 40).addAndGet(2);
        try (JavaCluster client = JavaCluster.joinAsClient(settings)) {
            assertTrue(client.isClient());
            assertEquals(cluster.serverCount(), client.serverCount());
            assertEquals(42L, client.counter("java-shared-counter", 0).getValue());
        }
    }

    @Test
    void lockAndSemaphore() throws Exception {
        JavaLock lock = cluster.lock("java-lock");
        assertTrue(lock.acquire(Duration.ofSeconds(10)));
        assertFalse(lock.acquireAsync(Duration.ofMillis(100)).get(10, TimeUnit.SECONDS));
        CompletableFuture<Boolean> waiting = lock.acquireAsync(Duration.ofSeconds(30));
        lock.release();
        assertTrue(waiting.get(30, TimeUnit.SECONDS));
        lock.release();
        assertThrows(IllegalStateException.class, lock::release);

        JavaSemaphore semaphore = cluster.semaphore("java-semaphore", 2);
        semaphore.acquire();
        assertTrue(semaphore.tryAcquire());
        assertFalse(semaphore.acquire(Duration.ofMillis(100)));
        semaphore.release();
        semaphore.release();
        assertTrue(semaphore.acquire(Duration.ofSeconds(10)));
        semaphore.release();
    }

    @Test
    void counterQueueEventAndBarrier() throws Exception {
        SharedCounter counter = cluster.counter("java-counter", 5);
        assertEquals(6L, counter.incrementAndGet());

        JavaQueue<String> queue = cluster.queue("java-queue", String.class, 2);
        queue.put("first", Duration.ofSeconds(10));
        queue.putAsync("second").get(10, TimeUnit.SECONDS);
        assertEquals(2, queue.capacity());
        assertEquals("first", queue.get());
        assertEquals("second", queue.get(Duration.ofSeconds(10)));
        assertThrows(QueueEmptyException.class, () -> queue.get(Duration.ofMillis(100)));
        assertThrows(QueueEmptyException.class, queue::getNowait);
        assertThrows(UnsupportedOperationException.class, queue::shutdown);

        JavaEvent event = cluster.event("java-event");
        CompletableFuture<Boolean> woken = event.awaitAsync(Duration.ofSeconds(30));
        event.set();
        assertTrue(woken.get(30, TimeUnit.SECONDS));
        assertTrue(event.await(Duration.ofMillis(100)));

        JavaBarrier barrier = cluster.barrier("java-barrier", 2);
        CompletableFuture<Integer> other = barrier.awaitAsync(Duration.ofSeconds(30));
        int mine = barrier.await(Duration.ofSeconds(30));
        assertEquals(1, mine + other.get(30, TimeUnit.SECONDS));
    }

    /** Adds {@code n} to the counter under the lock, and reports on the queue: cluster objects in a record task. */
    record Tally(SharedCounter counter, JavaLock lock, JavaQueue<Integer> reports, int n) implements BlockingTask<Long> {
        @Override
        public Long call() throws InterruptedException {
            long total = lock.withLock(() -> counter.addAndGet(n));
            reports.put(n);
            return total;
        }
    }

    record Fails(String message) implements BlockingFunction<Integer, Integer> {
        @Override
        public Integer apply(Integer x) {
            throw new IllegalArgumentException(message + " " + x);
        }
    }

    @Test
    void aClusterPoolRunsRecordTasksCarryingClusterObjects() throws Exception {
        try (JavaPool pool = cluster.pool(2, Duration.ofSeconds(60))) {
            List<Integer> items = IntStream.rangeClosed(1, 20).boxed().collect(Collectors.toList());
            List<Integer> squares = items.stream().map(x -> x * x).collect(Collectors.toList());
            assertEquals(squares, pool.map(items, new SquareFn()));
            try (Stream<Integer> results = pool.imap(items, new SquareFn())) {
                assertEquals(squares, results.collect(Collectors.toList()));
            }
            assertEquals(List.of(), pool.workerPids());

            SharedCounter counter = cluster.counter("java-tally", 0);
            JavaLock lock = cluster.lock("java-tally-lock");
            JavaQueue<Integer> reports = cluster.queue("java-tally-reports", Integer.class, 10);
            List<Long> totals = pool.invokeAll(List.of(new Tally(counter, lock, reports, 1), new Tally(counter, lock, reports, 2)));
            assertEquals(3L, counter.getValue());
            assertTrue(totals.contains(3L), "totals " + totals);
            assertEquals(3, reports.get(Duration.ofSeconds(10)) + reports.get(Duration.ofSeconds(10)));

            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> pool.mapAsync(List.of(7), new Fails("no")).get(60, TimeUnit.SECONDS));
            assertTrue(String.valueOf(failed.getCause().getMessage()).contains("no 7"), String.valueOf(failed.getCause()));
        }
    }
}
