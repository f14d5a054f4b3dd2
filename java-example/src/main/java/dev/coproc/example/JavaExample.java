package dev.coproc.example;

import dev.coproc.BlockingFunction;
import dev.coproc.BlockingTask;
import dev.coproc.java.JavaDict;
import dev.coproc.java.JavaManager;
import dev.coproc.java.JavaPool;
import dev.coproc.java.JavaProcess;
import dev.coproc.java.JavaQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * coproc from a Java-only project: tasks are records, and every call is plain Java. A pool map, a process, a
 * queue filled by pool workers, and a manager's dict written by them.
 */
public final class JavaExample {
    private JavaExample() {}

    /** Runs in a worker process. */
    record Square(int x) implements BlockingTask<Integer> {
        @Override
        public Integer call() {
            return x * x;
        }
    }

    /** Applied to every item of a map. */
    record Scale(int factor) implements BlockingFunction<Integer, Integer> {
        @Override
        public Integer apply(Integer item) {
            return item * factor;
        }
    }

    /** Puts {@code count} numbers into the parent's queue. */
    record Produce(JavaQueue<Integer> queue, int from, int count) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            for (int i = from; i < from + count; i++) queue.put(i);
            return null;
        }
    }

    /** Records a score in the manager's dict; returns how many it holds. */
    record Score(JavaDict<String, Integer> scores, String name, int score) implements BlockingTask<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            scores.put(name, score);
            return scores.size();
        }
    }

    /** What the example found, for the test (and main) to show. */
    public record Results(List<Integer> scaled, int square, int exitCode, int queued, Map<String, Integer> scores) {}

    public static Results run() throws InterruptedException {
        List<Integer> scaled;
        int queued = 0;
        try (JavaPool pool = JavaPool.create(2); JavaQueue<Integer> queue = JavaQueue.create(Integer.class)) {
            scaled = pool.map(List.of(1, 2, 3, 4), new Scale(10));
            pool.apply(new Produce(queue, 0, 50));
            pool.apply(new Produce(queue, 50, 50));
            List<Integer> taken = new ArrayList<>();
            for (int i = 0; i < 100; i++) taken.add(queue.get(Duration.ofSeconds(10)));
            queued = taken.stream().mapToInt(Integer::intValue).sum();
        }
        int square;
        int exitCode;
        try (JavaProcess<Integer> process = JavaProcess.of(new Square(12)).start()) {
            square = process.get();
            exitCode = process.join();
        }
        Map<String, Integer> scores;
        try (JavaManager manager = JavaManager.start(); JavaPool pool = JavaPool.create(2)) {
            JavaDict<String, Integer> dict = manager.dict(String.class, Integer.class);
            pool.apply(new Score(dict, "ann", 3));
            pool.apply(new Score(dict, "bob", 5));
            scores = dict.items();
        }
        return new Results(scaled, square, exitCode, queued, scores);
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println(run());
    }
}
