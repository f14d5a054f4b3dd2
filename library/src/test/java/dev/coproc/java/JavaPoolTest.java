package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.PoolClosedException;
import dev.coproc.RemoteTaskException;
import dev.coproc.TaskTimeoutException;
import dev.coproc.java.TestRecords.Fail;
import dev.coproc.java.TestRecords.Pid;
import dev.coproc.java.TestRecords.RunForever;
import dev.coproc.java.TestRecords.Square;
import dev.coproc.java.TestRecords.SquareFn;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pool's Java facade, used as Java code would. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JavaPoolTest {
    private static long fdsBefore;

    @BeforeAll
    static void countFds() throws Exception {
        try (JavaPool pool = JavaPool.create(1)) {
            pool.apply(new Square(1)); // loads native code and opens the reaper's pipe once
        }
        fdsBefore = TestHygiene.fdsBefore();
    }

    @AfterAll
    static void noChildLeft() throws Exception {
        TestHygiene.assertNothingLeft(fdsBefore);
    }

    private static final List<Integer> ONE_TO_TWENTY = IntStream.rangeClosed(1, 20).boxed().collect(Collectors.toList());
    private static final List<Integer> SQUARES = ONE_TO_TWENTY.stream().map(i -> i * i).collect(Collectors.toList());

    @Test
    void applyMapAndImap() throws Exception {
        try (JavaPool pool = JavaPool.create(2)) {
            assertEquals(49, pool.apply(new Square(7)));
            CompletableFuture<Integer> future = pool.applyAsync(new Square(8));
            assertEquals(64, future.get(30, TimeUnit.SECONDS));
            assertEquals(SQUARES, pool.map(ONE_TO_TWENTY, new SquareFn()));
            assertEquals(SQUARES, pool.map(ONE_TO_TWENTY, new SquareFn(), 3));
            assertEquals(List.of(4, 9), pool.invokeAll(List.of(new Square(2), new Square(3))));
            assertEquals(SQUARES, pool.imap(ONE_TO_TWENTY, new SquareFn()).collect(Collectors.toList()));
            assertEquals(new HashSet<>(SQUARES), pool.imapUnordered(ONE_TO_TWENTY, new SquareFn()).collect(Collectors.toSet()));
        }
    }

    @Test
    void workersAreReused() throws Exception {
        try (JavaPool pool = JavaPool.create(2)) {
            Set<Long> pids = new HashSet<>();
            for (int i = 0; i < 10; i++) pids.add(pool.apply(new Pid()));
            assertTrue(pids.size() <= 2, "pids " + pids);
        }
    }

    @Test
    void failuresAreTyped() throws Exception {
        try (JavaPool pool = JavaPool.create(1)) {
            RemoteTaskException error = assertThrows(RemoteTaskException.class, () -> pool.apply(new Fail("java pool")));
            assertEquals("java pool", error.getRemoteMessage());
            CompletableFuture<Void> slow = pool.applyAsync(new RunForever(), Duration.ofMillis(300));
            Exception timeout = assertThrows(Exception.class, () -> slow.get(30, TimeUnit.SECONDS));
            assertTrue(timeout.getCause() instanceof TaskTimeoutException, String.valueOf(timeout.getCause()));
            assertEquals(4, pool.apply(new Square(2)));
        }
    }

    @Test
    void closePoolLetsQueuedTasksFinishThenJoinWaitsForTheWorkers() throws Exception {
        JavaPool pool = JavaPool.create(1);
        CompletableFuture<Integer> queued = pool.applyAsync(new Square(6));
        pool.closePool();
        assertThrows(PoolClosedException.class, () -> pool.apply(new Square(1)));
        pool.join();
        assertEquals(36, queued.get(30, TimeUnit.SECONDS));
        assertEquals(List.of(), pool.workerPids());
        pool.close();
    }

    @Test
    void anImapStreamClosedEarlyStopsAndOneOfAClosedPoolEndsAtOnce() throws Exception {
        JavaPool pool = JavaPool.create(2);
        try (Stream<Integer> results = pool.imap(ONE_TO_TWENTY, new SquareFn())) {
            assertEquals(List.of(1, 4), results.limit(2).collect(Collectors.toList()));
        }
        assertEquals(49, pool.apply(new Square(7)));
        pool.close();
        // No hang: the stream of a closed pool ends with the pool's refusal (or its cancellation), at once.
        assertThrows(RuntimeException.class, () -> pool.imap(ONE_TO_TWENTY, new SquareFn()).collect(Collectors.toList()));
    }

    @Test
    void closedPoolRefusesTasks() {
        JavaPool pool = JavaPool.create(1);
        pool.close();
        assertThrows(PoolClosedException.class, () -> pool.apply(new Square(1)));
    }
}
