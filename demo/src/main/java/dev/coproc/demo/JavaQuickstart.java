package dev.coproc.demo;

import dev.coproc.BlockingFunction;
import dev.coproc.BlockingTask;
import dev.coproc.java.JavaPool;
import dev.coproc.java.JavaProcess;
import java.util.List;

// README: Java quickstart (keep the two in step). Tasks are plain Java records: no compiler plugin, no Kotlin.
public final class JavaQuickstart {
    /** Runs in a worker process: its components travel there, call() runs there. */
    record Square(int x) implements BlockingTask<Integer> {
        @Override
        public Integer call() {
            return x * x;
        }
    }

    /** Applied to every item of a map, in the pool's workers. */
    record Scale(int factor) implements BlockingFunction<Integer, Integer> {
        @Override
        public Integer apply(Integer item) {
            return item * factor;
        }
    }

    public static void main(String[] args) throws InterruptedException {
        try (JavaProcess<Integer> p = JavaProcess.of(new Square(12)).start()) {
            System.out.println("result: " + p.get());        // 144 (or p.result(), a CompletableFuture)
            System.out.println("exit code: " + p.join());     // 0
        }
        try (JavaPool pool = JavaPool.create(2)) {
            System.out.println("scaled: " + pool.map(List.of(1, 2, 3), new Scale(10)));   // [10, 20, 30]
        }
    }
}
