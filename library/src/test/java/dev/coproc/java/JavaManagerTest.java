package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.JavaSuspend;
import dev.coproc.Managed;
import dev.coproc.ManagedQueue;
import dev.coproc.ManagedValue;
import dev.coproc.MakeTally;
import dev.coproc.ManagerAuthenticationException;
import dev.coproc.ManagerLimits;
import dev.coproc.QueueEmptyException;
import dev.coproc.ManagedList;
import dev.coproc.Tally;
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
        fdsBefore = TestHygiene.openFds();
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

            ManagedList<String> list = manager.list(String.class);
            JavaSuspend.<kotlin.Unit>blocking(c -> list.append("x", c));
            assertEquals(List.of("x"), JavaSuspend.<List<String>>blocking(list::snapshot));

            ManagedQueue<String> queue = manager.queue(String.class, 1);
            queue.putBlocking("job", null);
            assertThrows(dev.coproc.QueueFullException.class, () -> queue.putBlocking("more", Duration.ofMillis(20)));
            assertEquals("job", queue.getBlocking(Duration.ofSeconds(5)));
            assertThrows(QueueEmptyException.class, () -> queue.getBlocking(Duration.ofMillis(20)));
            CompletableFuture<String> waiting = queue.getAsync(Duration.ofSeconds(10));
            queue.putBlocking("later", null);
            assertEquals("later", waiting.get(10, TimeUnit.SECONDS));

            JavaLock lock = manager.lock();
            lock.acquire();
            assertFalse(lock.acquireAsync(Duration.ofMillis(20)).get(10, TimeUnit.SECONDS));
            lock.release();
            assertThrows(IllegalStateException.class, lock::release);

            JavaEvent event = manager.event();
            CompletableFuture<Boolean> set = event.awaitAsync(Duration.ofSeconds(10));
            event.set();
            assertTrue(set.get(10, TimeUnit.SECONDS));

            ManagedValue<Long> value = manager.value(Long.class, 5L);
            assertTrue(JavaSuspend.<Boolean>blocking(c -> value.compareAndSet(5L, 6L, c)));
            assertEquals(6L, JavaSuspend.<Long>blocking(value::get));

            Managed<Tally> tally = manager.create(new MakeTally(1));
            assertEquals(3, JavaSuspend.<Integer>blocking(c -> tally.getProxy().add(2, c)));
        }
    }

    @Test
    void remoteManagerOverTcp() throws Exception {
        ManagerLimits limits = ManagerLimits.builder().handshakeTimeout(Duration.ofSeconds(5)).maxPendingConnections(16).build();
        try (JavaManager manager = JavaManager.start(new InetSocketAddress("127.0.0.1", 0), null, limits)) {
            try (JavaManager remote = JavaManager.connect(manager.address(), manager.authKey())) {
                ManagedQueue<Integer> queue = remote.queue(Integer.class);
                queue.putBlocking(42, null);
                assertEquals(42, queue.getBlocking(Duration.ofSeconds(5)));
            }
            assertThrows(ManagerAuthenticationException.class, () -> JavaManager.connect(manager.address(), new byte[32]));
        }
    }
}
