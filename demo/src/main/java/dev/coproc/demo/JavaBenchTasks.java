package dev.coproc.demo;

import dev.coproc.BlockingFunction;
import dev.coproc.BlockingTask;

/** The pool benchmark's tasks written in Java, as records: the same work as the Kotlin {@code Identity} and {@code Increment}. */
final class JavaBenchTasks {
    private JavaBenchTasks() {}

    /** Returns its input: a round trip and nothing else. */
    record Identity(int x) implements BlockingTask<Integer> {
        @Override
        public Integer call() {
            return x;
        }
    }

    /** Adds one: a map's per-item cost and nothing else. */
    record Increment() implements BlockingFunction<Integer, Integer> {
        @Override
        public Integer apply(Integer item) {
            return item + 1;
        }
    }
}
