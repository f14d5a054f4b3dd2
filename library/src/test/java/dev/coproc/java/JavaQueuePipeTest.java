package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.BlockingTask;
import dev.coproc.EndOfStreamException;
import dev.coproc.QueueEmptyException;
import dev.coproc.QueueFullException;
import dev.coproc.QueueShutdownException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Queues and pipes from Java: blocking calls, futures, Durations, interrupts, and ends carried by a child. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JavaQueuePipeTest {
    private static long fdsBefore;

    @BeforeAll
    static void countFds() throws Exception {
        try (JavaQueue<Integer> queue = JavaQueue.create(Integer.class)) {
            queue.put(1); // loads native code once
            queue.get();
        }
        fdsBefore = TestHygiene.fdsBefore();
    }

    @AfterAll
    static void nothingLeft() throws Exception {
        TestHygiene.assertNothingLeft(fdsBefore);
    }

    /** Blocks the calling thread in {@code call} on a new thread, interrupts it, and returns what it threw. */
    private static Throwable interrupted(Interruptible call) throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        CompletableFuture<Void> entered = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                entered.complete(null);
                call.run();
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(e);
            }
        });
        thread.start();
        entered.get(10, TimeUnit.SECONDS);
        // Interrupting before the call waits is fine too: the wait sees the flag at once.
        thread.interrupt();
        return thrown.get(30, TimeUnit.SECONDS);
    }

    interface Interruptible {
        void run() throws Exception;
    }

    @Test
    void queueBlockingTimedAsyncAndNowait() throws Exception {
        try (JavaQueue<String> queue = JavaQueue.create(String.class, 2)) {
            assertEquals(2, queue.capacity());
            queue.put("a");
            queue.putNowait("b");
            assertEquals(2, queue.size());
            assertThrows(QueueFullException.class, () -> queue.put("c", Duration.ofMillis(20)));
            assertThrows(QueueFullException.class, () -> queue.putNowait("c"));
            CompletableFuture<Void> waiting = queue.putAsync("c");
            assertFalse(waiting.isDone());
            assertEquals("a", queue.get());
            waiting.get(10, TimeUnit.SECONDS);
            assertEquals("b", queue.get(Duration.ofSeconds(1)));
            assertEquals("c", queue.getNowait());
            assertTrue(queue.isEmpty());
            assertThrows(QueueEmptyException.class, () -> queue.get(Duration.ofMillis(20)));
            assertThrows(QueueEmptyException.class, queue::getNowait);
            CompletableFuture<String> next = queue.getAsync();
            queue.put("d");
            assertEquals("d", next.get(10, TimeUnit.SECONDS));
            queue.put("last");
            queue.shutdown();
            assertTrue(queue.isShutdown());
            assertThrows(QueueShutdownException.class, () -> queue.put("more"));
            assertEquals("last", queue.get());
            assertThrows(QueueShutdownException.class, queue::get);
        }
    }

    record Point(int x, int y) {}

    /** Puts points into the queue it carries, from its own process. */
    record PutPoints(JavaQueue<Point> queue, int count) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            for (int i = 0; i < count; i++) queue.put(new Point(i, -i));
            return null;
        }
    }

    @Test
    void aQueueOfRecordsFilledByAnotherProcessAndAClassThatCannotTravelRefused() throws Exception {
        try (JavaQueue<Point> queue = JavaQueue.create(Point.class);
             JavaProcess<Void> child = JavaProcess.of(new PutPoints(queue, 3)).start()) {
            child.get();
            assertEquals(List.of(new Point(0, 0), new Point(1, -1), new Point(2, -2)),
                    List.of(queue.get(), queue.get(), queue.get()));
        }
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> JavaQueue.create(Runnable.class));
        assertTrue(refused.getMessage().contains("java.lang.Runnable"), refused.getMessage());
    }

    @Test
    void interruptingABlockedQueueWaitThrowsInterruptedException() throws Exception {
        try (JavaQueue<Integer> queue = JavaQueue.create(Integer.class, 1)) {
            assertInstanceOf(InterruptedException.class, interrupted(queue::get));
            queue.put(1);
            assertInstanceOf(InterruptedException.class, interrupted(() -> queue.put(2)));
            assertEquals(1, queue.get());
            assertTrue(queue.isEmpty(), "an interrupted put must not have put");
        }
    }

    @Test
    void pipeSendReceiveBytesPollAndEnd() throws Exception {
        JavaPipe<Long> pipe = JavaPipe.create(Long.class);
        try (JavaConnection<Long> a = pipe.first(); JavaConnection<Long> b = pipe.second()) {
            assertFalse(b.poll(Duration.ZERO));
            a.send(42L);
            assertTrue(b.poll(Duration.ofSeconds(10)));
            assertEquals(42L, b.receive());
            CompletableFuture<Long> next = a.receiveAsync();
            b.sendAsync(7L).get(10, TimeUnit.SECONDS);
            assertEquals(7L, next.get(10, TimeUnit.SECONDS));
            b.sendBytes(new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, a.receiveBytes());
            byte[] longMessage = new byte[200_000];
            Arrays.fill(longMessage, (byte) 9);
            b.sendBytes(longMessage);
            byte[] buffer = new byte[200_010];
            assertEquals(200_000, a.receiveBytesInto(buffer, 10));
            assertArrayEquals(longMessage, Arrays.copyOfRange(buffer, 10, 200_010));
            assertInstanceOf(InterruptedException.class, interrupted(a::receive));
            assertTrue(a.maxMessageBytes() >= 1 << 20, "max message " + a.maxMessageBytes());
            assertFalse(b.isClosed());
            b.close();
            assertTrue(b.isClosed());
            assertThrows(EndOfStreamException.class, a::receive);
        }
    }

    @Test
    void aOneWayPipeHasAReceivingAndASendingEnd() throws Exception {
        JavaPipe<String> pipe = JavaPipe.oneWay(String.class);
        try (JavaConnection<String> in = pipe.first(); JavaConnection<String> out = pipe.second()) {
            assertFalse(in.canSend());
            assertFalse(out.canReceive());
            out.send("one way");
            assertEquals("one way", in.receive());
            assertThrows(UnsupportedOperationException.class, () -> in.send("back"));
        }
    }

    /** Sends a greeting on the pipe end it carries, from its own process. */
    record Greet(JavaConnection<String> out, String name) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            out.send("hello from " + name);
            return null;
        }
    }

    @Test
    void aProcessGetsAPipeEndAndTheParentSeesTheEndOfStreamWhenItExits() throws Exception {
        JavaPipe<String> pipe = JavaPipe.create(String.class);
        try (JavaConnection<String> mine = pipe.first()) {
            try (JavaConnection<String> theirs = pipe.second();
                 JavaProcess<Void> child = JavaProcess.of(new Greet(theirs, "java")).start()) {
                theirs.close(); // the child holds its own copy now
                assertEquals("hello from java", mine.receive());
                child.get();
            }
            assertThrows(EndOfStreamException.class, mine::receive);
        }
    }
}
