package dev.coproc.java;

import dev.coproc.Managed;
import dev.coproc.ManagedArray;
import dev.coproc.ManagedBarrier;
import dev.coproc.ManagedEvent;
import dev.coproc.ManagedFactory;
import dev.coproc.ManagedJoinableQueue;
import dev.coproc.ManagedLock;
import dev.coproc.ManagedQueue;
import dev.coproc.ManagedSemaphore;
import dev.coproc.ManagedValue;
import dev.coproc.Manager;
import dev.coproc.ManagerKt;
import dev.coproc.ManagerLimits;
import dev.coproc.ManagedDict;
import dev.coproc.ManagedList;
import dev.coproc.ManagedNamespace;
import dev.coproc.WorkerOptions;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import dev.coproc.java.internal.ItemSerializers;
import dev.coproc.java.internal.Suspending;
import kotlinx.serialization.KSerializer;

/**
 * {@link Manager} for Java callers: start or connect, and make shared objects from {@link Class}es where
 * Kotlin uses reified types. The objects are the Kotlin proxies themselves; call their operations with
 * {@code JavaSuspend} (any call) or their {@code ...Blocking}/{@code ...Async} timed waits; a dict is a
 * {@link JavaDict}. Making an object is a round trip to the manager: an interrupt cancels it and throws
 * {@link InterruptedException}.
 *
 * <pre>{@code
 * try (JavaManager manager = JavaManager.start()) {           // close() shuts the manager process down
 *     JavaDict<String, Integer> dict = manager.dict(String.class, Integer.class);
 *     dict.put("hits", 1);
 *     Optional<Integer> hits = dict.get("hits");
 *     ManagedQueue<String> queue = manager.queue(String.class);
 *     queue.putBlocking("job", null);
 * }
 * }</pre>
 */
public final class JavaManager implements AutoCloseable {
    private final Manager manager;

    private JavaManager(Manager manager) {
        this.manager = manager;
    }

    /** Starts a manager process listening on a Unix socket, with a random key. */
    public static JavaManager start() throws InterruptedException {
        return new JavaManager(Suspending.blocking(c -> Manager.Companion.start(Manager.DEFAULT_OPTIONS, null, null, ManagerLimits.DEFAULT, c)));
    }

    /** Starts a manager process listening on TCP at {@code address} (port 0: any free port), with {@code authKey} (null: random). */
    public static JavaManager start(InetSocketAddress address, byte[] authKey) throws InterruptedException {
        return start(address, authKey, ManagerLimits.DEFAULT);
    }

    /**
     * Starts a manager process listening on TCP at {@code address} (port 0: any free port), with {@code authKey}
     * (null: random), allowing connections that have not authenticated yet what {@code limits} says.
     */
    public static JavaManager start(InetSocketAddress address, byte[] authKey, ManagerLimits limits) throws InterruptedException {
        return new JavaManager(Suspending.blocking(c -> Manager.Companion.start(Manager.DEFAULT_OPTIONS, address, authKey, limits, c)));
    }

    /** Connects to the manager at {@code address} ({@code tcp://host:port} or a socket path) with its key. */
    public static JavaManager connect(String address, byte[] authKey) throws InterruptedException {
        return new JavaManager(Suspending.blocking(c -> Manager.Companion.connect(address, authKey, c)));
    }

    /** The Kotlin manager, to hand to Kotlin code. */
    public Manager manager() {
        return manager;
    }

    /** Where it listens: a socket path, or {@code tcp://host:port}. */
    public String address() {
        return manager.getAddress();
    }

    /** Its key, for a JVM that will {@link #connect}. */
    public byte[] authKey() {
        return ManagerKt.getAuthKey(manager);
    }

    /** A new, empty dict in the manager. */
    public <K, V> JavaDict<K, V> dict(Class<K> keys, Class<V> values) throws InterruptedException {
        return JavaDict.wrap(Suspending.blocking(c -> manager.dict(serializer(keys), serializer(values), Map.of(), c)));
    }

    public <T> ManagedList<T> list(Class<T> items) throws InterruptedException {
        return Suspending.blocking(c -> manager.list(serializer(items), List.of(), c));
    }

    public ManagedNamespace namespace() throws InterruptedException {
        return Suspending.blocking(manager::namespace);
    }

    /** A new queue of {@code items} holding at most {@code capacity} items. */
    public <T> ManagedQueue<T> queue(Class<T> items, int capacity) throws InterruptedException {
        return Suspending.blocking(c -> manager.queue(serializer(items), capacity, c));
    }

    /** A new queue of {@code items} with no limit on the number of items. */
    public <T> ManagedQueue<T> queue(Class<T> items) throws InterruptedException {
        return queue(items, Integer.MAX_VALUE);
    }

    /** A new joinable queue of {@code items} holding at most {@code capacity} items. */
    public <T> ManagedJoinableQueue<T> joinableQueue(Class<T> items, int capacity) throws InterruptedException {
        return Suspending.blocking(c -> manager.joinableQueue(serializer(items), capacity, c));
    }

    /** A new joinable queue of {@code items} with no limit on the number of items. */
    public <T> ManagedJoinableQueue<T> joinableQueue(Class<T> items) throws InterruptedException {
        return joinableQueue(items, Integer.MAX_VALUE);
    }

    public <T> ManagedValue<T> value(Class<T> type, T initial) throws InterruptedException {
        return Suspending.blocking(c -> manager.value(serializer(type), initial, c));
    }

    public <T> ManagedArray<T> array(Class<T> type, List<T> initial) throws InterruptedException {
        return Suspending.blocking(c -> manager.array(serializer(type), initial, c));
    }

    /** A lock held by the manager; see {@link JavaLock}. */
    public JavaLock lock() throws InterruptedException {
        return JavaLock.wrap(Suspending.<ManagedLock>blocking(manager::lock));
    }

    /** A semaphore held by the manager; see {@link JavaSemaphore}. */
    public JavaSemaphore semaphore(int value) throws InterruptedException {
        return JavaSemaphore.wrap(Suspending.<ManagedSemaphore>blocking(c -> manager.semaphore(value, c)));
    }

    /** A bounded semaphore held by the manager. */
    public JavaSemaphore boundedSemaphore(int value) throws InterruptedException {
        return JavaSemaphore.wrap(Suspending.<ManagedSemaphore>blocking(c -> manager.boundedSemaphore(value, c)));
    }

    /** An event held by the manager; see {@link JavaEvent}. */
    public JavaEvent event() throws InterruptedException {
        return JavaEvent.wrap(Suspending.<ManagedEvent>blocking(manager::event));
    }

    public ManagedBarrier barrier(int parties) throws InterruptedException {
        return Suspending.blocking(c -> manager.barrier(parties, c));
    }

    /** An object of a registered type, made in the manager by {@code factory}. */
    public <T> Managed<T> create(ManagedFactory<T> factory) throws InterruptedException {
        return Suspending.blocking(c -> manager.create(factory, c));
    }

    /** Shuts the manager down (for a connected one: nothing, see {@link Manager#close}). */
    @Override
    public void close() {
        manager.close();
    }

    private static <T> KSerializer<T> serializer(Class<T> type) {
        return ItemSerializers.of(type);
    }
}
