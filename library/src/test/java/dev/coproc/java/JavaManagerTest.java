package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.BlockingTask;
import dev.coproc.ManagerAuthenticationException;
import dev.coproc.ManagerCallException;
import dev.coproc.ManagerLimits;
import dev.coproc.QueueEmptyException;
import dev.coproc.QueueFullException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Managers from Java: start, connect, make objects from classes, call them blocking and with futures. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JavaManagerTest {
    private static long fdsBefore;

    @BeforeAll
    static void countFds() throws Exception {
        // Opens the reaper's and the poller's descriptors and loads native code once.
        try (JavaManager warmUp = JavaManager.start()) {
            warmUp.dict(String.class, Integer.class).size();
        }
        fdsBefore = TestHygiene.fdsBefore();
    }

    @AfterAll
    static void nothingLeft() throws Exception {
        TestHygiene.assertNothingLeft(fdsBefore);
    }

    @Test
    void collectionsQueuesAndLocks() throws Exception {
        try (JavaManager manager = JavaManager.start()) {
            JavaDict<String, Integer> dict = manager.dict(String.class, Integer.class);
            dict.put("a", 1);
            assertEquals(Optional.of(1), dict.get("a"));
            assertEquals(Optional.empty(), dict.get("b"));
            dict.putAsync("c", 3).get(10, TimeUnit.SECONDS);
            assertEquals(Optional.of(3), dict.getAsync("c").get(10, TimeUnit.SECONDS));
            assertEquals(Map.of("a", 1, "c", 3), dict.items());
            assertEquals(7, dict.getOrPut("d", 7));
            assertEquals(7, dict.getOrPut("d", 8));
            assertEquals(Optional.of(3), dict.remove("c"));
            assertTrue(dict.containsKey("a"));
            assertEquals(2, dict.size());
            dict.putAll(Map.of("x", 10, "y", 20));
            assertEquals(Set.of("a", "d", "x", "y"), Set.copyOf(dict.keys()));
            assertEquals(1 + 7 + 10 + 20, dict.values().stream().mapToInt(Integer::intValue).sum());
            dict.clear();
            assertEquals(0, dict.size());

            JavaList<String> list = manager.list(String.class);
            list.add("x");
            list.addAll(List.of("y", "z"));
            assertEquals("y", list.get(1));
            assertEquals("z", list.set(2, "Z"));
            assertEquals("x", list.remove(0));
            assertEquals(List.of("y", "Z"), list.snapshot());
            assertEquals(2, list.size());
            assertThrows(ManagerCallException.class, () -> list.get(5));
            list.clear();
            assertEquals(0, list.size());

            JavaNamespace namespace = manager.namespace();
            namespace.set("threshold", Integer.class, 10);
            assertEquals(Optional.of(10), namespace.get("threshold", Integer.class));
            assertEquals(Optional.empty(), namespace.get("absent", String.class));
            assertEquals(List.of("threshold"), namespace.names());
            assertTrue(namespace.remove("threshold"));
            assertFalse(namespace.remove("threshold"));

            JavaQueue<String> queue = manager.queue(String.class, 1);
            queue.put("job");
            assertThrows(QueueFullException.class, () -> queue.put("more", Duration.ofMillis(20)));
            assertThrows(QueueFullException.class, () -> queue.putNowait("more"));
            assertEquals(1, queue.size());
            assertEquals("job", queue.get(Duration.ofSeconds(5)));
            assertThrows(QueueEmptyException.class, () -> queue.get(Duration.ofMillis(20)));
            assertThrows(QueueEmptyException.class, queue::getNowait);
            CompletableFuture<String> waiting = queue.getAsync();
            queue.put("later");
            assertEquals("later", waiting.get(10, TimeUnit.SECONDS));

            JavaJoinableQueue<Integer> jobs = manager.joinableQueue(Integer.class);
            jobs.put(1);
            assertEquals(1, jobs.unfinished());
            assertFalse(jobs.join(Duration.ofMillis(20)));
            assertEquals(1, jobs.get());
            jobs.taskDone();
            assertTrue(jobs.join(Duration.ofSeconds(5)));

            JavaLock lock = manager.lock();
            lock.acquire();
            assertFalse(lock.acquireAsync(Duration.ofMillis(20)).get(10, TimeUnit.SECONDS));
            lock.release();
            assertThrows(IllegalStateException.class, lock::release);

            JavaRLock rLock = manager.rLock();
            assertEquals("twice", rLock.withLock(() -> rLock.withLock(() -> {
                assertEquals(2, rLock.holdCount());
                return "twice";
            })));
            assertEquals(0, rLock.holdCount());
            assertThrows(IllegalStateException.class, rLock::release);

            JavaEvent event = manager.event();
            CompletableFuture<Boolean> set = event.awaitAsync(Duration.ofSeconds(10));
            event.set();
            assertTrue(set.get(10, TimeUnit.SECONDS));

            JavaValue<Long> value = manager.value(Long.class, 5L);
            assertTrue(value.compareAndSet(5L, 6L));
            assertFalse(value.compareAndSet(5L, 7L));
            assertEquals(6L, value.getAndSet(8L));
            value.set(9L);
            assertEquals(9L, value.get());

            JavaArray<Double> array = manager.array(Double.class, List.of(0.0, 0.0));
            assertEquals(0.0, array.set(1, 2.5));
            assertEquals(2.5, array.get(1));
            assertEquals(List.of(0.0, 2.5), array.snapshot());
            assertEquals(2, array.size());
        }
    }

    /** Takes the job, adds it to the list, marks it done: a worker of a manager's joinable queue. */
    record Consume(JavaJoinableQueue<Integer> jobs, JavaList<Integer> seen, JavaNamespace status) implements BlockingTask<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            int job = jobs.get(Duration.ofSeconds(30));
            seen.add(job * 10);
            status.set("last", Integer.class, job);
            jobs.taskDone();
            return job;
        }
    }

    /** Waits on the manager's condition until {@code value} is set, and answers through the barrier. */
    record AwaitValue(JavaCondition condition, JavaValue<String> value, JavaBarrier done) implements BlockingTask<String> {
        @Override
        public String call() throws InterruptedException {
            String seen = condition.withLock(() -> {
                condition.awaitUntil(() -> {
                    try {
                        return !value.get().isEmpty();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, Duration.ofSeconds(30));
                return value.get();
            });
            return seen + "@" + done.await(Duration.ofSeconds(30));
        }
    }

    @Test
    void managerObjectsCrossToATaskAsRecordComponents() throws Exception {
        try (JavaManager manager = JavaManager.start(); JavaPool pool = JavaPool.create(2)) {
            JavaJoinableQueue<Integer> jobs = manager.joinableQueue(Integer.class);
            JavaList<Integer> seen = manager.list(Integer.class);
            JavaNamespace status = manager.namespace();
            CompletableFuture<Integer> consumed = pool.applyAsync(new Consume(jobs, seen, status));
            jobs.put(4);
            assertTrue(jobs.join(Duration.ofSeconds(30)));
            assertEquals(4, consumed.get(30, TimeUnit.SECONDS));
            assertEquals(List.of(40), seen.snapshot());
            assertEquals(Optional.of(4), status.get("last", Integer.class));

            JavaCondition condition = manager.condition();
            JavaValue<String> value = manager.value(String.class, "");
            JavaBarrier done = manager.barrier(2);
            CompletableFuture<String> waiter = pool.applyAsync(new AwaitValue(condition, value, done));
            condition.withLock(() -> {
                value.set("ready");
                condition.signalAll();
                return null;
            });
            int mine = done.await(Duration.ofSeconds(30));
            assertEquals("ready@" + (1 - mine), waiter.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void publishedObjectsAreFoundByNameFromAnotherConnection() throws Exception {
        try (JavaManager manager = JavaManager.start(new InetSocketAddress("127.0.0.1", 0), null)) {
            JavaQueue<String> inbox = manager.queue(String.class);
            JavaDict<String, Integer> scores = manager.dict(String.class, Integer.class);
            manager.publish("inbox", inbox, String.class);
            manager.publish("scores", scores, String.class, Integer.class);
            JavaJoinableQueue<Integer> jobs = manager.joinableQueue(Integer.class);
            manager.publish("jobs", jobs, Integer.class);
            try (JavaManager remote = JavaManager.connect(manager.address(), manager.authKey())) {
                remote.lookupQueue("inbox", String.class).put("hello");
                remote.lookupDict("scores", String.class, Integer.class).put("ada", 3);
                remote.lookupJoinableQueue("jobs", Integer.class).put(5);
                assertThrows(IllegalArgumentException.class, () -> remote.lookupJoinableQueue("inbox", String.class));
                assertThrows(IllegalArgumentException.class, () -> remote.lookupQueue("inbox", Integer.class));
                assertThrows(IllegalArgumentException.class, () -> remote.lookupQueue("scores", String.class));
                assertThrows(java.util.NoSuchElementException.class, () -> remote.lookupQueue("nothing", String.class));
            }
            assertEquals("hello", inbox.get(Duration.ofSeconds(10)));
            assertEquals(Optional.of(3), scores.get("ada"));
            assertEquals(1, jobs.unfinished());
            try (JavaQueue<String> local = JavaQueue.create(String.class)) {
                assertThrows(IllegalArgumentException.class, () -> manager.publish("local", local, String.class));
            }
        }
    }

    /** The program's own type, kept in a manager: a Java interface, each call a blocking round trip. */
    interface Tally {
        int add(int n) throws InterruptedException;

        int total() throws InterruptedException;

        List<String> log();

        void reset();

        int failing(String why);
    }

    /** The object behind a {@link Tally}, made and called in the manager. */
    static final class CountingTally implements Tally {
        private int total;
        private final List<String> log = new java.util.ArrayList<>();

        CountingTally(int start) {
            total = start;
        }

        @Override
        public int add(int n) {
            log.add("+" + n);
            return total += n;
        }

        @Override
        public int total() {
            return total;
        }

        @Override
        public List<String> log() {
            return log;
        }

        @Override
        public void reset() {
            total = 0;
        }

        @Override
        public int failing(String why) {
            throw new IllegalStateException(why);
        }
    }

    record MakeTally(int start) implements dev.coproc.ManagedFactory<Tally> {
        @Override
        public Tally create() {
            return new CountingTally(start);
        }
    }

    /** Adds {@code n} through the proxy it carries: a managed object of the program's type in a task. */
    record AddInTask(dev.coproc.Managed<Tally> tally, int n) implements BlockingTask<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            return tally.getProxy().add(n);
        }
    }

    @Test
    void objectsOfTheProgramsOwnJavaTypes() throws Exception {
        try (JavaManager manager = JavaManager.start(); JavaPool pool = JavaPool.create(1)) {
            dev.coproc.Managed<Tally> tally = manager.create(new MakeTally(1));
            Tally proxy = tally.getProxy();
            assertEquals(3, proxy.add(2));
            assertEquals(13, pool.apply(new AddInTask(tally, 10)));
            assertEquals(13, proxy.total());
            assertEquals(List.of("+2", "+10"), proxy.log());
            proxy.reset();
            assertEquals(0, proxy.total());
            ManagerCallException failed = assertThrows(ManagerCallException.class, () -> proxy.failing("no"));
            assertTrue(failed.getMessage().contains("no"), failed.getMessage());
        }
    }

    @Test
    void remoteManagerOverTcp() throws Exception {
        ManagerLimits limits = ManagerLimits.builder().handshakeTimeout(Duration.ofSeconds(5)).maxPendingConnections(16).build();
        assertEquals(Duration.ofSeconds(5), limits.handshakeTimeout());
        try (JavaManager manager = JavaManager.start(new InetSocketAddress("127.0.0.1", 0), null, limits)) {
            try (JavaManager remote = JavaManager.connect(manager.address(), manager.authKey())) {
                JavaQueue<Integer> queue = remote.queue(Integer.class);
                queue.put(42);
                assertEquals(42, queue.get(Duration.ofSeconds(5)));
            }
            assertThrows(ManagerAuthenticationException.class, () -> JavaManager.connect(manager.address(), new byte[32]));
        }
    }
}
