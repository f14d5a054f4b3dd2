package dev.coproc.it;

import dev.coproc.BlockingFunction;
import dev.coproc.BlockingTask;
import dev.coproc.ProcessStartException;
import dev.coproc.java.JavaPool;
import dev.coproc.java.JavaProcess;
import dev.coproc.java.JavaQueue;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What a packaged application does with coproc: a pool map, a queue filled by another process, and optionally
 * a task of its own packaging. It prints {@code coproc-it key=value} lines, with the pid of every child, for its
 * test to check the results and that no child outlives the application.
 */
public final class Scenario {
    /** The prefix of every line a test reads. */
    public static final String PREFIX = "coproc-it ";

    private Scenario() {}

    record Square() implements BlockingFunction<Integer, Integer> {
        @Override
        public Integer apply(Integer x) {
            return x * x;
        }
    }

    /** Puts 1..count into the queue from its own process. */
    record Produce(JavaQueue<Integer> queue, int count) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            for (int i = 1; i <= count; i++) queue.put(i);
            return null;
        }
    }

    /**
     * Runs the pool map and the queue, then {@code extra} on the pool when given. Prints how many children were
     * still there (running or unreaped) once their pool or process was closed: none should be.
     */
    public static void run(PrintStream out, BlockingTask<?> extra) throws InterruptedException {
        List<Long> children = new ArrayList<>();
        try (JavaPool pool = JavaPool.create(2)) {
            List<Integer> squares = pool.map(IntStream.rangeClosed(1, 10).boxed().collect(Collectors.toList()), new Square());
            out.println(PREFIX + "map=" + squares);
            if (extra != null) out.println(PREFIX + "extra=" + pool.apply(extra));
            children.addAll(pool.workerPids());
        }
        try (JavaQueue<Integer> queue = JavaQueue.create(Integer.class);
             JavaProcess<Void> producer = JavaProcess.of(new Produce(queue, 100)).start()) {
            long sum = 0;
            for (int i = 0; i < 100; i++) sum += queue.get(Duration.ofSeconds(30));
            out.println(PREFIX + "queue=" + sum + " exit=" + producer.join());
            children.add(producer.pid().orElse(-1));
        }
        out.println(PREFIX + "pids=" + join(children));
        out.println(PREFIX + "left=" + children.stream().filter(pid -> ProcessHandle.of(pid).isPresent()).count());
    }

    /**
     * Runs [task] on a pool: a task whose class the workers may not load. Prints its result, or the
     * [ProcessStartException] that says why the workers could not load it.
     */
    public static void runForeign(PrintStream out, BlockingTask<?> task) throws InterruptedException {
        try (JavaPool pool = JavaPool.create(1)) {
            try {
                out.println(PREFIX + "foreign=" + pool.apply(task));
            } catch (ProcessStartException e) {
                out.println(PREFIX + "refused=" + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            out.println(PREFIX + "pids=" + join(pool.workerPids()));
        }
    }

    private static String join(List<Long> pids) {
        List<String> texts = new ArrayList<>();
        for (long pid : pids) texts.add(Long.toString(pid));
        return String.join(",", texts);
    }
}
