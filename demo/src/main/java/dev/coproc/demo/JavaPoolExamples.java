package dev.coproc.demo;

import dev.coproc.BlockingFunction;
import dev.coproc.BlockingTask;
import dev.coproc.PoolOptions;
import dev.coproc.java.JavaPool;
import dev.coproc.java.JavaProcess;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/** The pool examples of PoolExamples.kt in plain Java: apply_async, map, imap and a CPU-bound speed-up. */
final class JavaPoolExamples {
    private JavaPoolExamples() {}

    /** The seeds' pool worker: prints its pid, sleeps a random time, prints how long it took. */
    record PoolWorkerTask(int message) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            long start = System.nanoTime();
            System.out.println(message + " starts in pid " + JavaProcess.current().getPid());
            Thread.sleep(ThreadLocalRandom.current().nextLong(0, 2_000));
            System.out.printf("%d done in %.2f s%n", message, (System.nanoTime() - start) / 1e9);
            return null;
        }
    }

    /** Uppercases one name, in a worker. */
    record UpperCase() implements BlockingFunction<String, String> {
        @Override
        public String apply(String item) {
            return item.toUpperCase(Locale.ROOT);
        }
    }

    /** CPU-bound work: a sum of squares over {@code item} million iterations, as the Kotlin {@code Burn}. */
    record Burn() implements BlockingFunction<Integer, Long> {
        @Override
        public Long apply(Integer millions) {
            long sum = 0;
            for (int i = 0; i < millions * 1_000_000; i++) sum += ((long) i * i) ^ (sum >>> 3);
            return sum;
        }
    }

    /** The seeds' Pool(3) with ten apply_async calls, close and join. */
    static final class PoolApplyAsync {
        private PoolApplyAsync() {}

        public static void run() throws Exception {
            // try-with-resources as well, so the facade's own resources are released whatever happens.
            try (JavaPool pool = JavaPool.create(PoolOptions.builder().workers(3).build())) {
                List<CompletableFuture<Void>> results = new ArrayList<>();
                for (int i = 0; i < 10; i++) results.add(pool.applyAsync(new PoolWorkerTask(i)));
                System.out.println("----start----");
                pool.closePool();   // no new tasks; the ten queued ones still run
                pool.join();        // waits for the workers, only after closePool
                for (CompletableFuture<Void> result : results) result.get();
                System.out.println("-----end-----");
            }
        }
    }

    /** map and imap of uppercasing names. */
    static final class PoolMap {
        private PoolMap() {}

        public static void run() throws Exception {
            List<String> names = List.of("alice", "bob", "carol", "dave", "erin");
            try (JavaPool pool = JavaPool.create(2)) {
                System.out.println("map:  " + pool.map(names, new UpperCase()));
                System.out.print("imap:");
                try (Stream<String> upper = pool.imap(names, new UpperCase())) {   // results arrive as they are ready
                    upper.forEach(name -> System.out.print(" " + name));
                }
                System.out.println();
            }
        }
    }

    /** A CPU-bound map, serially in one worker and spread over two. */
    static final class PoolSpeedup {
        private PoolSpeedup() {}

        public static void run() throws Exception {
            List<Integer> work = Collections.nCopies(8, 150);
            double serial;
            try (JavaPool pool = JavaPool.create(1)) {
                pool.map(List.of(50), new Burn());              // warm-up: start the worker, compile Burn
                long start = System.nanoTime();
                pool.map(work, new Burn(), 1);
                serial = secondsSince(start);
            }
            double parallel;
            try (JavaPool pool = JavaPool.create(2)) {
                pool.map(List.of(50, 50), new Burn(), 1);       // one warm-up item for each worker
                long start = System.nanoTime();
                pool.map(work, new Burn(), 1);
                parallel = secondsSince(start);
            }
            System.out.printf("CPU-bound map of %d items: 1 worker %.2f s, 2 workers %.2f s, speed-up %.2fx on %d cores%n",
                    work.size(), serial, parallel, serial / parallel, Runtime.getRuntime().availableProcessors());
        }

        private static double secondsSince(long startNanos) {
            return (System.nanoTime() - startNanos) / 1e9;
        }
    }
}
