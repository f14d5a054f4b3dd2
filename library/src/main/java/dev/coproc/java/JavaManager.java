package dev.coproc.java;

import dev.coproc.ManagedBarrier;
import dev.coproc.ManagedCondition;
import dev.coproc.ManagedRLock;
import dev.coproc.Managed;
import dev.coproc.ManagedFactory;
import dev.coproc.ManagedEvent;
import dev.coproc.ManagedLock;
import dev.coproc.ManagedSemaphore;
import dev.coproc.Manager;
import dev.coproc.ManagerKt;
import dev.coproc.ManagerLimits;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import dev.coproc.java.internal.ItemSerializers;
import dev.coproc.java.internal.ManagerCalls;
import dev.coproc.java.internal.Suspending;
import kotlinx.serialization.KSerializer;

/**
 * A manager process for Java callers: Python's {@code multiprocessing.Manager()}. Start one (or connect to one
 * another JVM started) and make shared objects in it, named by their {@link Class}es: dicts, lists, namespaces,
 * values, arrays, queues, locks, semaphores, events and barriers. Each is the same Java facade as the
 * shared-memory kind where one exists ({@link JavaQueue}, {@link JavaLock}...), and travels to a task as a record
 * component. Making an object is a round trip to the manager: an interrupt cancels it and throws
 * {@link InterruptedException}.
 *
 * <pre>{@code
 * try (JavaManager manager = JavaManager.start()) {           // close() shuts the manager process down
 *     JavaDict<String, Integer> dict = manager.dict(String.class, Integer.class);
 *     dict.put("hits", 1);
 *     Optional<Integer> hits = dict.get("hits");
 *     JavaQueue<String> queue = manager.queue(String.class);
 *     queue.put("job");
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

    /** Wraps a manager started or connected by Kotlin code. */
    public static JavaManager wrap(Manager manager) {
        return new JavaManager(manager);
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

    /** A new, empty list in the manager; see {@link JavaList}. */
    public <T> JavaList<T> list(Class<T> items) throws InterruptedException {
        return JavaList.wrap(Suspending.blocking(c -> manager.list(serializer(items), List.of(), c)));
    }

    /** A new namespace in the manager, with no attribute set; see {@link JavaNamespace}. */
    public JavaNamespace namespace() throws InterruptedException {
        return JavaNamespace.wrap(Suspending.blocking(manager::namespace));
    }

    /** A new queue of {@code items} in the manager, holding at most {@code capacity} items; see {@link JavaQueue}. */
    public <T> JavaQueue<T> queue(Class<T> items, int capacity) throws InterruptedException {
        return JavaQueue.wrap(Suspending.blocking(c -> manager.queue(serializer(items), capacity, c)));
    }

    /** A new queue of {@code items} in the manager with no limit on the number of items. */
    public <T> JavaQueue<T> queue(Class<T> items) throws InterruptedException {
        return queue(items, Integer.MAX_VALUE);
    }

    /** A new joinable queue of {@code items} in the manager, holding at most {@code capacity} items; see {@link JavaJoinableQueue}. */
    public <T> JavaJoinableQueue<T> joinableQueue(Class<T> items, int capacity) throws InterruptedException {
        return JavaJoinableQueue.wrap(Suspending.blocking(c -> manager.joinableQueue(serializer(items), capacity, c)));
    }

    /** A new joinable queue of {@code items} in the manager with no limit on the number of items. */
    public <T> JavaJoinableQueue<T> joinableQueue(Class<T> items) throws InterruptedException {
        return joinableQueue(items, Integer.MAX_VALUE);
    }

    /** A new value of {@code type} in the manager, set to {@code initial}; see {@link JavaValue}. */
    public <T> JavaValue<T> value(Class<T> type, T initial) throws InterruptedException {
        return JavaValue.wrap(Suspending.blocking(c -> manager.value(serializer(type), initial, c)));
    }

    /** A new array of {@code type} in the manager, holding {@code initial}; see {@link JavaArray}. */
    public <T> JavaArray<T> array(Class<T> type, List<T> initial) throws InterruptedException {
        return JavaArray.wrap(Suspending.blocking(c -> manager.array(serializer(type), initial, c)));
    }

    /** A lock held by the manager; see {@link JavaLock}. */
    public JavaLock lock() throws InterruptedException {
        return JavaLock.wrap(Suspending.<ManagedLock>blocking(manager::lock));
    }

    /** A re-entrant lock held by the manager; see {@link JavaRLock}. */
    public JavaRLock rLock() throws InterruptedException {
        return JavaRLock.wrap(Suspending.<ManagedRLock>blocking(manager::rLock));
    }

    /** A condition held by the manager over a re-entrant lock of its own; see {@link JavaCondition}. */
    public JavaCondition condition() throws InterruptedException {
        return JavaCondition.wrap(Suspending.<ManagedCondition>blocking(manager::condition));
    }

    /**
     * A condition held by the manager over {@code lock}, a lock of this manager.
     *
     * @throws IllegalArgumentException when {@code lock} is not a manager's
     */
    public JavaCondition condition(JavaLock lock) throws InterruptedException {
        if (!(lock.asKotlin() instanceof ManagedLock managed)) {
            throw new IllegalArgumentException("a manager's condition needs a lock of the manager (manager.lock()), not " + lock);
        }
        return JavaCondition.wrap(Suspending.<ManagedCondition>blocking(c -> manager.condition(managed, c)));
    }

    /**
     * A condition held by the manager over the re-entrant {@code lock}, a lock of this manager.
     *
     * @throws IllegalArgumentException when {@code lock} is not a manager's
     */
    public JavaCondition condition(JavaRLock lock) throws InterruptedException {
        if (!(lock.asKotlin() instanceof ManagedRLock managed)) {
            throw new IllegalArgumentException("a manager's condition needs a lock of the manager (manager.rLock()), not " + lock);
        }
        return JavaCondition.wrap(Suspending.<ManagedCondition>blocking(c -> manager.condition(managed, c)));
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

    /** A barrier for {@code parties} held by the manager; see {@link JavaBarrier}. */
    public JavaBarrier barrier(int parties) throws InterruptedException {
        return JavaBarrier.wrap(Suspending.<ManagedBarrier>blocking(c -> manager.barrier(parties, c)));
    }

    /**
     * Makes {@code queue}, a queue of this manager holding {@code items}, known under {@code name}, for
     * {@link #lookupQueue} (or {@link #lookupJoinableQueue}, for a joinable one) from any process connected to this
     * manager (Kotlin's {@code lookup} finds it too).
     *
     * @throws IllegalArgumentException when {@code queue} is not a manager's
     */
    public <T> void publish(String name, JavaQueue<T> queue, Class<T> items) throws InterruptedException {
        ManagerCalls.publishQueue(manager, name, queue.asKotlin(), serializer(items));
    }

    /**
     * The queue of {@code items} published under {@code name}.
     *
     * @throws java.util.NoSuchElementException when nothing is published under {@code name}
     * @throws IllegalArgumentException when what is published there is not a queue of {@code items}
     */
    public <T> JavaQueue<T> lookupQueue(String name, Class<T> items) throws InterruptedException {
        return JavaQueue.wrap(ManagerCalls.lookupQueue(manager, name, serializer(items)));
    }

    /**
     * The joinable queue of {@code items} published under {@code name}.
     *
     * @throws java.util.NoSuchElementException when nothing is published under {@code name}
     * @throws IllegalArgumentException when what is published there is not a joinable queue of {@code items}
     */
    public <T> JavaJoinableQueue<T> lookupJoinableQueue(String name, Class<T> items) throws InterruptedException {
        return JavaJoinableQueue.wrap(ManagerCalls.lookupJoinableQueue(manager, name, serializer(items)));
    }

    /** Makes {@code dict}, a dict of this manager, known under {@code name}, for {@link #lookupDict}. */
    public <K, V> void publish(String name, JavaDict<K, V> dict, Class<K> keys, Class<V> values) throws InterruptedException {
        ManagerCalls.publishDict(manager, name, dict.asKotlin(), serializer(keys), serializer(values));
    }

    /**
     * The dict published under {@code name}.
     *
     * @throws java.util.NoSuchElementException when nothing is published under {@code name}
     * @throws IllegalArgumentException when what is published there is not a dict of these types
     */
    public <K, V> JavaDict<K, V> lookupDict(String name, Class<K> keys, Class<V> values) throws InterruptedException {
        return JavaDict.wrap(ManagerCalls.lookupDict(manager, name, serializer(keys), serializer(values)));
    }

    /**
     * An object of the program's own type, made in the manager by {@code factory} (a record implementing
     * {@link ManagedFactory}): Python's {@code BaseManager.register}. The result's {@code getProxy()} implements the
     * factory's interface; each call of a plain method blocks for its round trip and runs on the object in the
     * manager, one call at a time. Arguments and results travel as a record's components do; a
     * {@code Managed<YourInterface>} record component carries the object to a task.
     *
     * @throws dev.coproc.TaskEncodingException when the factory cannot be encoded
     * @throws IllegalArgumentException when its type argument is not an interface, or one of the interface's
     *     methods has a type that cannot travel
     */
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
