package dev.coproc.java;

import dev.coproc.JavaSuspend;
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
import kotlinx.serialization.KSerializer;
import kotlinx.serialization.SerializersKt;

/**
 * {@link Manager} for Java callers: start or connect, and make shared objects from {@link Class}es where
 * Kotlin uses reified types. The objects are the Kotlin proxies themselves; call their operations with
 * {@link JavaSuspend} (any call) or their {@code ...Blocking}/{@code ...Async} timed waits.
 *
 * <pre>{@code
 * try (JavaManager manager = JavaManager.start()) {           // close() shuts the manager process down
 *     ManagedDict<String, Integer> dict = manager.dict(String.class, Integer.class);
 *     JavaSuspend.blocking(c -> dict.set("hits", 1, c));
 *     Integer hits = JavaSuspend.blocking(c -> dict.get("hits", c));
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
    public static JavaManager start() {
        return new JavaManager(JavaSuspend.blocking(c -> Manager.Companion.start(Manager.DEFAULT_OPTIONS, null, null, ManagerLimits.DEFAULT, c)));
    }

    /** Starts a manager process listening on TCP at {@code address} (port 0: any free port), with {@code authKey} (null: random). */
    public static JavaManager start(InetSocketAddress address, byte[] authKey) {
        return start(address, authKey, ManagerLimits.DEFAULT);
    }

    /**
     * Starts a manager process listening on TCP at {@code address} (port 0: any free port), with {@code authKey}
     * (null: random), allowing connections that have not authenticated yet what {@code limits} says.
     */
    public static JavaManager start(InetSocketAddress address, byte[] authKey, ManagerLimits limits) {
        return new JavaManager(JavaSuspend.blocking(c -> Manager.Companion.start(Manager.DEFAULT_OPTIONS, address, authKey, limits, c)));
    }

    /** Connects to the manager at {@code address} ({@code tcp://host:port} or a socket path) with its key. */
    public static JavaManager connect(String address, byte[] authKey) {
        return new JavaManager(JavaSuspend.blocking(c -> Manager.Companion.connect(address, authKey, c)));
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
    public <K, V> JavaDict<K, V> dict(Class<K> keys, Class<V> values) {
        return JavaDict.wrap(JavaSuspend.blocking(c -> manager.dict(serializer(keys), serializer(values), Map.of(), c)));
    }

    public <T> ManagedList<T> list(Class<T> items) {
        return JavaSuspend.blocking(c -> manager.list(serializer(items), List.of(), c));
    }

    public ManagedNamespace namespace() {
        return JavaSuspend.blocking(manager::namespace);
    }

    /** A new queue of {@code items} holding at most {@code capacity} items. */
    public <T> ManagedQueue<T> queue(Class<T> items, int capacity) {
        return JavaSuspend.blocking(c -> manager.queue(serializer(items), capacity, c));
    }

    /** A new queue of {@code items} with no limit on the number of items. */
    public <T> ManagedQueue<T> queue(Class<T> items) {
        return queue(items, Integer.MAX_VALUE);
    }

    /** A new joinable queue of {@code items} holding at most {@code capacity} items. */
    public <T> ManagedJoinableQueue<T> joinableQueue(Class<T> items, int capacity) {
        return JavaSuspend.blocking(c -> manager.joinableQueue(serializer(items), capacity, c));
    }

    /** A new joinable queue of {@code items} with no limit on the number of items. */
    public <T> ManagedJoinableQueue<T> joinableQueue(Class<T> items) {
        return joinableQueue(items, Integer.MAX_VALUE);
    }

    public <T> ManagedValue<T> value(Class<T> type, T initial) {
        return JavaSuspend.blocking(c -> manager.value(serializer(type), initial, c));
    }

    public <T> ManagedArray<T> array(Class<T> type, List<T> initial) {
        return JavaSuspend.blocking(c -> manager.array(serializer(type), initial, c));
    }

    public ManagedLock lock() {
        return JavaSuspend.blocking(manager::lock);
    }

    public ManagedSemaphore semaphore(int value) {
        return JavaSuspend.blocking(c -> manager.semaphore(value, c));
    }

    public ManagedSemaphore boundedSemaphore(int value) {
        return JavaSuspend.blocking(c -> manager.boundedSemaphore(value, c));
    }

    public ManagedEvent event() {
        return JavaSuspend.blocking(manager::event);
    }

    public ManagedBarrier barrier(int parties) {
        return JavaSuspend.blocking(c -> manager.barrier(parties, c));
    }

    /** An object of a registered type, made in the manager by {@code factory}. */
    public <T> Managed<T> create(ManagedFactory<T> factory) {
        return JavaSuspend.blocking(c -> manager.create(factory, c));
    }

    /** Shuts the manager down (for a connected one: nothing, see {@link Manager#close}). */
    @Override
    public void close() {
        manager.close();
    }

    @SuppressWarnings("unchecked")
    private static <T> KSerializer<T> serializer(Class<T> type) {
        return (KSerializer<T>) SerializersKt.serializer(type);
    }
}
