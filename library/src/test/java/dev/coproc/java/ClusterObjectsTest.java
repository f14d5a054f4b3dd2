package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.QueueEmptyException;
import dev.coproc.cluster.ClusterBarrier;
import dev.coproc.cluster.ClusterCounter;
import dev.coproc.cluster.ClusterEvent;
import dev.coproc.cluster.ClusterLock;
import dev.coproc.cluster.ClusterNode;
import dev.coproc.cluster.ClusterQueue;
import dev.coproc.cluster.ClusterSemaphore;
import dev.coproc.cluster.ClusterSettings;
import dev.coproc.cluster.TestCluster;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import kotlin.jvm.internal.StringCompanionObject;
import kotlinx.serialization.builtins.BuiltinSerializersKt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The cluster's shared objects from Java: blocking calls and futures on a server node in this JVM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterObjectsTest {
    private static ClusterSettings settings;
    private static ClusterNode node;

    @BeforeAll
    static void startNode() {
        settings = TestCluster.INSTANCE.settings();
        node = ClusterNode.startServer(settings);
    }

    @AfterAll
    static void stopNode() throws Exception {
        node.close();
        TestCluster.INSTANCE.checkNothingLeft(settings);
        TestHygiene.assertNoChildren();
    }

    @Test
    void lockAndSemaphore() throws Exception {
        ClusterLock lock = node.lock("java-lock");
        assertTrue(lock.acquireBlocking(Duration.ofSeconds(10)));
        assertFalse(lock.acquireAsync(Duration.ofMillis(100)).get(10, TimeUnit.SECONDS));
        CompletableFuture<Boolean> waiting = lock.acquireAsync(Duration.ofSeconds(30));
        lock.release();
        assertTrue(waiting.get(30, TimeUnit.SECONDS));
        lock.release();
        assertThrows(IllegalStateException.class, lock::release);

        ClusterSemaphore semaphore = node.semaphore("java-semaphore", 2);
        assertTrue(semaphore.acquireBlocking());
        assertTrue(semaphore.tryAcquire());
        assertFalse(semaphore.acquireBlocking(Duration.ofMillis(100)));
        semaphore.release();
        semaphore.release(1);
        assertEquals(2L, semaphore.getValue());
    }

    @Test
    void counterQueueEventAndBarrier() throws Exception {
        ClusterCounter counter = node.counter("java-counter", 5);
        assertEquals(6L, counter.incrementAndGet());

        ClusterQueue<String> queue = node.queue("java-queue", BuiltinSerializersKt.serializer(StringCompanionObject.INSTANCE), 2);
        queue.putBlocking("first", Duration.ofSeconds(10));
        queue.putAsync("second").get(10, TimeUnit.SECONDS);
        assertEquals("first", queue.getBlocking());
        assertEquals("second", queue.getAsync(Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
        ExecutionException empty = assertThrows(ExecutionException.class,
            () -> queue.getAsync(Duration.ofMillis(100)).get(10, TimeUnit.SECONDS));
        assertTrue(empty.getCause() instanceof QueueEmptyException);

        ClusterEvent event = node.event("java-event");
        CompletableFuture<Boolean> woken = event.waitAsync(Duration.ofSeconds(30));
        event.set();
        assertTrue(woken.get(30, TimeUnit.SECONDS));
        assertTrue(event.waitBlocking(Duration.ofMillis(100)));

        ClusterBarrier barrier = node.barrier("java-barrier", 2);
        CompletableFuture<Integer> other = barrier.waitAsync(Duration.ofSeconds(30));
        int mine = barrier.waitBlocking(Duration.ofSeconds(30));
        assertEquals(1, mine + other.get(30, TimeUnit.SECONDS));
    }
}
