package dev.coproc.java;

import dev.coproc.BlockingFunction;
import dev.coproc.BlockingTask;

/** Tasks written in Java, as a Java user writes them: records implementing the blocking task interfaces. */
final class TestRecords {
    private TestRecords() {}

    record Square(int x) implements BlockingTask<Integer> {
        @Override
        public Integer call() {
            return x * x;
        }
    }

    record SquareFn() implements BlockingFunction<Integer, Integer> {
        @Override
        public Integer apply(Integer x) {
            return x * x;
        }
    }

    record Pid() implements BlockingTask<Long> {
        @Override
        public Long call() {
            return ProcessHandle.current().pid();
        }
    }

    record Fail(String message) implements BlockingTask<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException(message, new IllegalArgumentException("root cause"));
        }
    }

    record ExitWith(int code) implements BlockingTask<Void> {
        @Override
        public Void call() {
            System.exit(code);
            return null;
        }
    }

    /** Sleeps until interrupted (a cancelled task's thread is), then ends. */
    record RunForever() implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            Thread.sleep(Long.MAX_VALUE);
            return null;
        }
    }
}
