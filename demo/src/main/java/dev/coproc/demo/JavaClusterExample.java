package dev.coproc.demo;

import dev.coproc.BlockingFunction;
import dev.coproc.BlockingTask;
import dev.coproc.WorkerOptions;
import dev.coproc.cluster.ClusterSettings;
import dev.coproc.java.JavaCluster;
import dev.coproc.java.JavaEvent;
import dev.coproc.java.JavaPool;
import dev.coproc.java.JavaProcess;
import dev.coproc.java.Shared;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** The Kotlin {@code ClusterExample} written against the Java API only. */
public final class JavaClusterExample {
    private JavaClusterExample() {}

    /** Runs a cluster server node in the process that runs it, until that process is stopped. */
    record ClusterServer(int discoveryPort, int communicationPort, JavaEvent ready) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            ClusterSettings settings =
                    ClusterSettings.builder().discoveryPort(discoveryPort).communicationPort(communicationPort).build();
            JavaCluster node = JavaCluster.startServer(settings);
            try {
                ready.set();
                Thread.sleep(Long.MAX_VALUE); // until terminate(): it interrupts call(), and the node leaves
            } finally {
                node.close();
            }
            return null;
        }
    }

    /** An item of the map and the pid of the node that did it. */
    record Where(int item, long pid) {}

    /** The seeds' CPU-bound work on {@code item} millions; answers the item (to check the order) and the pid that did it. */
    record BurnWhere() implements BlockingFunction<Integer, Where> {
        @Override
        public Where apply(Integer item) {
            burn(item);
            return new Where(item, JavaProcess.current().getPid());
        }

        /** The same loop as the Kotlin demo's {@code Burn.burn}, written here to stay off Kotlin code. */
        static long burn(int millions) {
            long sum = 0;
            for (int i = 0; i < millions * 1_000_000; i++) sum += ((long) i * i) ^ (sum >>> 3);
            return sum;
        }
    }

    /**
     * A three-node Apache Ignite cluster on this machine (a node in this JVM, two in child JVMs started with
     * coproc's Process API), the CPU-bound map run on it, one child node killed midway, the map still complete: the
     * same {@code map}/{@code imap} as a local pool, on {@code JavaCluster.pool} instead of {@code JavaPool.create}.
     */
    public static final class ClusterExample {
        private ClusterExample() {}

        private static final int ITEMS = 36;

        public static void run() throws Exception {
            ClusterSettings settings = ClusterSettings.DEFAULT;
            try (JavaCluster local = JavaCluster.startServer(settings)) {
                List<JavaEvent> ready = List.of(Shared.event(), Shared.event());
                // Every JVM running a node needs Ignite's flags, the child nodes too.
                String[] flags = JavaCluster.JVM_FLAGS.toArray(String[]::new);
                WorkerOptions nodeOptions = WorkerOptions.builder().jvmArgs(flags).build();
                List<JavaProcess<Void>> children = new ArrayList<>();
                for (JavaEvent event : ready) {
                    var server = new ClusterServer(settings.getDiscoveryPort(), settings.getCommunicationPort(), event);
                    children.add(JavaProcess.of(server, "cluster-node-" + (children.size() + 1), false, nodeOptions).start());
                }
                try {
                    for (JavaEvent event : ready) event.await();
                    List<Long> childPids = children.stream().map(child -> child.pid().getAsLong()).toList();
                    System.out.println("cluster of " + local.serverCount() + " server nodes: this JVM (pid "
                            + JavaProcess.current().getPid() + ") and children " + childPids);
                    JavaProcess<Void> victim = children.get(0);
                    long victimPid = victim.pid().getAsLong();
                    SortedMap<Long, Integer> perNode = new TreeMap<>();
                    List<Integer> items = IntStream.range(0, ITEMS).mapToObj(i -> 20 + i % 3).toList();
                    List<Integer> results = new ArrayList<>();
                    try (JavaPool pool = local.pool(3, null); Stream<Where> done = pool.imap(items, new BurnWhere())) {
                        done.forEach(where -> {
                            results.add(where.item());
                            int count = perNode.merge(where.pid(), 1, Integer::sum);
                            if (where.pid() == victimPid && count == 3) {
                                victim.kill();
                                System.out.println("killed the node in pid " + where.pid()
                                        + " (SIGKILL) after its 3rd result; its jobs run again elsewhere");
                            }
                        });
                    }
                    System.out.println("tasks per node (pid: results): " + perNode);
                    System.out.println("all " + ITEMS + " results arrived once, in order: " + results.equals(items)
                            + "; servers left: " + local.serverCount());
                } finally {
                    for (JavaProcess<Void> child : children) if (child.isAlive()) child.terminate();
                    for (JavaProcess<Void> child : children) child.join();
                    for (JavaEvent event : ready) event.close();
                }
            }
        }
    }
}
