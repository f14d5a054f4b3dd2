package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.BlockingFunction;
import dev.coproc.BlockingTask;
import dev.coproc.RemoteTaskException;
import dev.coproc.SharedLong;
import dev.coproc.TaskEncodingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tasks and map functions written in Java, as records: no compiler plugin, only declared types decoded. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordTaskTest {
    private static long fdsBefore;
    private static JavaPool pool;

    @BeforeAll
    static void startPool() throws Exception {
        try (JavaPool warm = JavaPool.create(1)) {
            warm.apply(new Square(1)); // loads native code and opens the reaper's pipe once
        }
        fdsBefore = TestHygiene.fdsBefore();
        pool = JavaPool.create(2);
    }

    @AfterAll
    static void nothingLeft() throws Exception {
        pool.close();
        TestHygiene.assertNothingLeft(fdsBefore);
    }

    record Square(int x) implements BlockingTask<Integer> {
        @Override
        public Integer call() {
            return x * x;
        }
    }

    @Test
    void aRecordTaskRunsInAPoolAndInAProcess() throws Exception {
        assertEquals(9, pool.apply(new Square(3)));
        assertEquals(16, pool.applyAsync(new Square(4)).get(30, TimeUnit.SECONDS));
        try (JavaProcess<Integer> process = JavaProcess.of(new Square(7)).start()) {
            assertEquals(49, process.get());
            assertEquals(0, process.join());
        }
    }

    enum Color { RED, GREEN }

    record Point(int x, int y) {}

    /** Every kind of component the codec promises, sent to a worker and back (the task returns itself). */
    record Everything(
            int i, long l, double d, boolean b, char c, short s, byte by, float f,
            Integer boxed, Integer noBox, String text, String noText,
            byte[] bytes, int[] ints, long[] longs, double[] doubles, String[] words,
            Color color, List<String> names, Set<Integer> numbers, Map<String, Integer> counts,
            Optional<String> present, Optional<String> absent,
            Point point, List<Point> points, Point[] pointArray, Map<String, List<Point>> nested
    ) implements BlockingTask<Everything> {
        @Override
        public Everything call() {
            return this;
        }
    }

    @Test
    void everyKindOfComponentTravelsBothWays() throws Exception {
        Everything sent = new Everything(
                -7, Long.MAX_VALUE, 2.5, true, 'é', (short) -3, (byte) 0x7f, 1.5f,
                42, null, "héllo\u0000wörld", null,
                new byte[] {0, -1, 127}, new int[] {1, 2, 3}, new long[] {Long.MIN_VALUE}, new double[] {0.5}, new String[] {"a", null},
                Color.GREEN, List.of("ann", "bob"), Set.of(1, 2, 3), Map.of("x", 1, "y", 2),
                Optional.of("here"), Optional.empty(),
                new Point(1, 2), List.of(new Point(3, 4), new Point(5, 6)), new Point[] {new Point(7, 8), null},
                Map.of("line", List.of(new Point(0, 0), new Point(1, 1))));
        Everything back = pool.apply(sent);
        assertEquals(List.of(-7, Long.MAX_VALUE, 2.5, true, 'é', (short) -3, (byte) 0x7f, 1.5f),
                List.of(back.i(), back.l(), back.d(), back.b(), back.c(), back.s(), back.by(), back.f()));
        assertEquals(42, back.boxed());
        assertNull(back.noBox());
        assertEquals("héllo\u0000wörld", back.text());
        assertNull(back.noText());
        assertArrayEquals(sent.bytes(), back.bytes());
        assertArrayEquals(sent.ints(), back.ints());
        assertArrayEquals(sent.longs(), back.longs());
        assertArrayEquals(sent.doubles(), back.doubles());
        assertArrayEquals(sent.words(), back.words());
        assertEquals(Color.GREEN, back.color());
        assertEquals(sent.names(), back.names());
        assertEquals(sent.numbers(), back.numbers());
        assertEquals(sent.counts(), back.counts());
        assertEquals(Optional.of("here"), back.present());
        assertEquals(Optional.empty(), back.absent());
        assertEquals(sent.point(), back.point());
        assertEquals(sent.points(), back.points());
        assertArrayEquals(sent.pointArray(), back.pointArray());
        assertEquals(sent.nested(), back.nested());
    }

    record Scale(int factor) implements BlockingFunction<Integer, Long> {
        @Override
        public Long apply(Integer item) {
            return (long) item * factor;
        }
    }

    @Test
    void aRecordFunctionMapsInChunksAndStreams() throws Exception {
        List<Integer> items = IntStream.range(0, 10_000).boxed().collect(Collectors.toList());
        List<Long> expected = items.stream().map(i -> i * 3L).collect(Collectors.toList());
        assertEquals(expected, pool.map(items, new Scale(3)));
        assertEquals(expected, pool.map(items, new Scale(3), 7));
        assertEquals(expected.subList(0, 100), pool.imap(items.subList(0, 100), new Scale(3)).collect(Collectors.toList()));
        assertEquals(Set.copyOf(expected.subList(0, 100)),
                pool.imapUnordered(items.subList(0, 100), new Scale(3)).collect(Collectors.toSet()));
        assertEquals(List.of(), pool.map(List.of(), new Scale(3)));
    }

    @Test
    void invokeAllRunsRecordTasksAndAMapReportsItsProgress() throws Exception {
        List<Square> tasks = IntStream.range(0, 50).mapToObj(Square::new).collect(Collectors.toList());
        assertEquals(IntStream.range(0, 50).map(i -> i * i).boxed().collect(Collectors.toList()), pool.invokeAll(tasks));
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Long> scaled = pool.map(List.of(1, 2, 3, 4, 5, 6), new Scale(2), 2, progress -> seen.add(progress.toString()));
        assertEquals(List.of(2L, 4L, 6L, 8L, 10L, 12L), scaled);
        assertEquals("0/6", seen.get(0), seen.toString());
        assertTrue(seen.contains("6/6"), seen.toString());
        assertEquals(4, seen.size(), "a first report, then one per chunk: " + seen);
    }

    /** Carries coproc handles: the worker puts into the parent's queue, counts under its lock, and reports on a pipe. */
    record Produce(JavaQueue<Integer> queue, JavaConnection<String> report, JavaLock lock, SharedLong counter, int count)
            implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            for (int i = 0; i < count; i++) {
                queue.put(i);
                lock.withLock(counter::incrementAndGet);
            }
            report.send("put " + count);
            return null;
        }
    }

    @Test
    void aRecordTaskCarriesAQueueAPipeEndALockAndASharedValue() throws Exception {
        JavaPipe<String> pipe = JavaPipe.create(String.class);
        try (JavaQueue<Integer> queue = JavaQueue.create(Integer.class); JavaLock lock = Shared.lock(); SharedLong counter = Shared.sharedLong(0);
             JavaConnection<String> mine = pipe.first(); JavaConnection<String> theirs = pipe.second()) {
            List<CompletableFuture<Void>> runs = List.of(
                    pool.applyAsync(new Produce(queue, theirs, lock, counter, 50)),
                    pool.applyAsync(new Produce(queue, theirs, lock, counter, 50)));
            for (CompletableFuture<Void> run : runs) assertNull(run.get(60, TimeUnit.SECONDS));
            assertEquals(100L, counter.getValue());
            List<Integer> received = new ArrayList<>();
            for (int i = 0; i < 100; i++) received.add(queue.get(Duration.ofSeconds(10)));
            assertEquals(2 * IntStream.range(0, 50).sum(), received.stream().mapToInt(Integer::intValue).sum());
            assertEquals(List.of("put 50", "put 50"), List.of(mine.receive(), mine.receive()));
        }
    }

    /** Writes into a manager's dict from a pool worker. */
    record Record(JavaDict<String, Integer> scores, String name, int score) implements BlockingTask<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            scores.put(name, score);
            return scores.size();
        }
    }

    @Test
    void aRecordTaskCarriesAManagerDict() throws Exception {
        try (JavaManager manager = JavaManager.start()) {
            JavaDict<String, Integer> scores = manager.dict(String.class, Integer.class);
            assertEquals(1, pool.apply(new Record(scores, "ann", 3)));
            assertEquals(2, pool.apply(new Record(scores, "bob", 5)));
            assertEquals(Map.of("ann", 3, "bob", 5), scores.items());
        }
    }

    /** An enum whose constants have bodies: its class is abstract, and still only its constants travel. */
    enum Op {
        PLUS {
            @Override
            int apply(int a, int b) {
                return a + b;
            }
        },
        TIMES {
            @Override
            int apply(int a, int b) {
                return a * b;
            }
        };

        abstract int apply(int a, int b);
    }

    record Compute(Op op, int a, int b) implements BlockingTask<Integer> {
        @Override
        public Integer call() {
            return op.apply(a, b);
        }
    }

    @Test
    void anEnumWithConstantBodiesTravelsAndALambdaIsRefusedAsOne() throws Exception {
        assertEquals(12, pool.apply(new Compute(Op.TIMES, 3, 4)));
        assertEquals(7, pool.apply(new Compute(Op.PLUS, 3, 4)));
        BlockingFunction<Integer, Integer> lambda = item -> item + 1;
        TaskEncodingException refused = assertThrows(TaskEncodingException.class, () -> pool.map(List.of(1), lambda));
        assertTrue(refused.getMessage().contains("is a lambda"), refused.getMessage());
    }

    /** Takes the lock and a permit, then sets the event: whichever engine made each of them. */
    record Guarded(JavaLock lock, JavaSemaphore permits, JavaEvent done, SharedLong counter) implements BlockingTask<Long> {
        @Override
        public Long call() throws InterruptedException {
            long value = lock.withLock(() -> permits.withPermit(counter::incrementAndGet));
            done.set();
            return value;
        }
    }

    @Test
    void locksSemaphoresAndEventsOfTheLocalAndTheManagerEngineTravelAlike() throws Exception {
        try (JavaLock lock = Shared.lock(); JavaSemaphore permits = Shared.semaphore(1); JavaEvent done = Shared.event();
             SharedLong counter = Shared.sharedLong(0)) {
            assertEquals(1L, pool.apply(new Guarded(lock, permits, done, counter)));
            assertTrue(done.isSet());
            assertFalse(lock.isLocked());
            assertEquals(1L, permits.value());
        }
        try (JavaManager manager = JavaManager.start(); SharedLong counter = Shared.sharedLong(0)) {
            JavaLock lock = manager.lock();
            JavaSemaphore permits = manager.boundedSemaphore(1);
            JavaEvent done = manager.event();
            assertEquals(1L, pool.apply(new Guarded(lock, permits, done, counter)));
            assertTrue(done.await(Duration.ofSeconds(10)));
            assertFalse(lock.isLocked());
            assertThrows(IllegalStateException.class, permits::release);
        }
    }

    record Holds(Object anything, String marker) implements BlockingTask<String> {
        @Override
        public String call() throws IOException {
            Files.writeString(Path.of(marker), "ran");
            return "ran";
        }
    }

    record Node(int value, Node next) implements BlockingTask<Integer> {
        @Override
        public Integer call() {
            return value;
        }
    }

    /** Implements the interface but is no record: what the worker would build is not declared by components. */
    static final class NotARecord implements BlockingTask<String> {
        @Override
        public String call() {
            return "ran";
        }
    }

    @Test
    void whatCannotTravelFailsAtSubmissionNamingWhyAndNothingRuns() throws Exception {
        Path marker = Files.createTempFile("coproc-record", ".ran");
        Files.delete(marker);
        TaskEncodingException object = assertThrows(TaskEncodingException.class, () -> pool.apply(new Holds("x", marker.toString())));
        assertTrue(object.getMessage().contains("component anything of " + Holds.class.getName()), object.getMessage());
        assertTrue(object.getMessage().contains("java.lang.Object"), object.getMessage());
        assertFalse(Files.exists(marker));

        TaskEncodingException recursive = assertThrows(TaskEncodingException.class, () -> pool.apply(new Node(1, null)));
        assertTrue(recursive.getMessage().contains("contains itself"), recursive.getMessage());

        TaskEncodingException plain = assertThrows(TaskEncodingException.class, () -> pool.apply(new NotARecord()));
        assertTrue(plain.getMessage().contains("is not a record"), plain.getMessage());
        assertEquals(9, pool.apply(new Square(3)));
    }

    record Throws(String message) implements BlockingTask<String> {
        @Override
        public String call() throws IOException {
            throw new IOException(message);
        }
    }

    @Test
    void aCheckedExceptionArrivesAsARemoteTaskException() {
        RemoteTaskException e = assertThrows(RemoteTaskException.class, () -> pool.apply(new Throws("disk full")));
        assertEquals(IOException.class.getName(), e.getRemoteClassName());
        assertTrue(e.getMessage().contains("disk full"), e.getMessage());
    }

    /** Sleeps until interrupted, telling the parent through two events that it started and that it was interrupted. */
    record Sleeper(JavaEvent started, JavaEvent interrupted) implements BlockingTask<String> {
        @Override
        public String call() throws InterruptedException {
            started.set();
            try {
                Thread.sleep(600_000);
                return "slept";
            } catch (InterruptedException e) {
                interrupted.set();
                throw e;
            }
        }
    }

    @Test
    void cancellingTheFutureInterruptsCallAndTheWorkerGoesOn() throws Exception {
        try (JavaPool single = JavaPool.create(1); JavaEvent started = Shared.event(); JavaEvent interrupted = Shared.event()) {
            assertEquals(1, single.apply(new Square(1))); // its worker is up (workers start in the background)
            List<Long> worker = single.workerPids();
            CompletableFuture<String> sleeping = single.applyAsync(new Sleeper(started, interrupted));
            assertTrue(started.await(Duration.ofSeconds(30)));
            assertTrue(sleeping.cancel(true));
            assertTrue(interrupted.await(Duration.ofSeconds(30)), "call() was not interrupted");
            assertInstanceOf(CancellationException.class, assertThrows(CancellationException.class, sleeping::join));
            assertEquals(25, single.apply(new Square(5)));
            assertEquals(worker, single.workerPids());
        }
    }

    @Test
    void interruptingABlockedApplyCancelsTheTaskAndThrowsInterruptedException() throws Exception {
        try (JavaPool single = JavaPool.create(1); JavaEvent started = Shared.event(); JavaEvent interrupted = Shared.event()) {
            CompletableFuture<Throwable> thrown = new CompletableFuture<>();
            Thread caller = new Thread(() -> {
                try {
                    single.apply(new Sleeper(started, interrupted));
                    thrown.complete(null);
                } catch (Throwable e) {
                    thrown.complete(e);
                }
            });
            caller.start();
            assertTrue(started.await(Duration.ofSeconds(30)));
            caller.interrupt();
            assertInstanceOf(InterruptedException.class, thrown.get(30, TimeUnit.SECONDS));
            assertTrue(interrupted.await(Duration.ofSeconds(30)), "the task's call() was not interrupted");
            assertEquals(36, single.apply(new Square(6)));
        }
    }
}
