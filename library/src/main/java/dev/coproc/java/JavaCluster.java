package dev.coproc.java;

import dev.coproc.SharedCounter;
import dev.coproc.cluster.ClusterNode;
import dev.coproc.cluster.ClusterSettings;
import dev.coproc.java.internal.ItemSerializers;
import dev.coproc.java.internal.PoolCalls;
import java.time.Duration;
import java.util.List;

/**
 * A node of an Apache Ignite cluster, for Java callers: the same pool, queue, counter, lock, semaphore, event and
 * barrier as on one machine, held by the cluster. Objects are named: the same name on any node is the same object.
 * Each is the same Java facade as the local kind ({@link JavaPool}, {@link JavaQueue}, {@link JavaLock}...) and
 * travels to a task as a record component.
 *
 * <pre>{@code
 * try (JavaCluster cluster = JavaCluster.startServer(ClusterSettings.builder().addresses("10.0.0.1:47500..47509").build());
 *      JavaPool pool = cluster.pool(8, null)) {
 *     List<Integer> squares = pool.map(List.of(1, 2, 3), new SquareFn());
 *     SharedCounter hits = cluster.counter("hits", 0);
 * }
 * }</pre>
 *
 * Every JVM that runs a node needs Ignite's flags ({@link #JVM_FLAGS}). A call on a cluster object is a network round
 * trip; the blocking ones honour interrupts as the local objects' do.
 */
public final class JavaCluster implements AutoCloseable {
    /** The flags every JVM running a node needs (Ignite's {@code --add-opens} for Java 11 and later). */
    public static final List<String> JVM_FLAGS = ClusterNode.JVM_FLAGS;

    private final ClusterNode node;

    private JavaCluster(ClusterNode node) {
        this.node = node;
    }

    /** Starts a server node here (it holds data and runs tasks), joining the cluster {@code settings} describe. */
    public static JavaCluster startServer(ClusterSettings settings) {
        return new JavaCluster(ClusterNode.startServer(settings));
    }

    /** Starts a client node here (it holds nothing and runs no task), joining the cluster {@code settings} describe. */
    public static JavaCluster joinAsClient(ClusterSettings settings) {
        return new JavaCluster(ClusterNode.joinAsClient(settings));
    }

    /** Wraps a node started by Kotlin code. */
    public static JavaCluster wrap(ClusterNode node) {
        return new JavaCluster(node);
    }

    /**
     * A pool running tasks on the cluster's server nodes, {@code parallelism} at a time, each with {@code taskTimeout}
     * (null: none). Tasks are records, as for a local {@link JavaPool}.
     */
    public JavaPool pool(int parallelism, Duration taskTimeout) {
        return JavaPool.wrap(PoolCalls.clusterPool(node, parallelism, taskTimeout));
    }

    /** The counter {@code name}, made with {@code initial} if the cluster has none of that name yet. */
    public SharedCounter counter(String name, long initial) {
        return node.counter(name, initial);
    }

    /** The lock {@code name}; see {@link JavaLock}. */
    public JavaLock lock(String name) {
        return JavaLock.wrap(node.lock(name));
    }

    /** The semaphore {@code name}, made with {@code permits} if new; see {@link JavaSemaphore}. */
    public JavaSemaphore semaphore(String name, int permits) {
        return JavaSemaphore.wrap(node.semaphore(name, permits));
    }

    /** The event {@code name}; see {@link JavaEvent}. */
    public JavaEvent event(String name) {
        return JavaEvent.wrap(node.event(name));
    }

    /** The barrier {@code name} for {@code parties}; see {@link JavaBarrier}. */
    public JavaBarrier barrier(String name, int parties) {
        return JavaBarrier.wrap(node.barrier(name, parties));
    }

    /** The queue {@code name} of {@code items}, made holding at most {@code capacity} if new; see {@link JavaQueue}. */
    public <T> JavaQueue<T> queue(String name, Class<T> items, int capacity) {
        return JavaQueue.wrap(node.queue(name, ItemSerializers.of(items), capacity));
    }

    /** The node's name. */
    public String name() {
        return node.getName();
    }

    /** Whether it is a client node. */
    public boolean isClient() {
        return node.isClient();
    }

    /** The server nodes in the cluster now. */
    public int serverCount() {
        return node.serverCount();
    }

    /** The CPUs of the server nodes now: a pool's default parallelism. */
    public int serverCpus() {
        return node.serverCpus();
    }

    /** Leaves the cluster; the objects live on in the other nodes. */
    @Override
    public void close() {
        node.close();
    }

    /** The Kotlin node behind this facade. */
    public ClusterNode asKotlin() {
        return node;
    }

    @Override
    public String toString() {
        return node.toString();
    }
}
