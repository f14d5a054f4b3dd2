package dev.coproc.demo;

import dev.coproc.BlockingTask;
import dev.coproc.QueueFullException;
import dev.coproc.QueueShutdownException;
import dev.coproc.java.JavaJoinableQueue;
import dev.coproc.java.JavaProcess;
import dev.coproc.java.JavaQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/** The queue examples of QueueExamples.kt, in Java: producers and consumers, and a bounded queue. */
public final class JavaQueueExamples {
    private JavaQueueExamples() {}

    /** The seeds' producer: makes three buns, puts each on the queue. */
    record Baker(String name, JavaJoinableQueue<String> queue) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            for (int i = 1; i <= 3; i++) {
                Thread.sleep(ThreadLocalRandom.current().nextLong(50, 200));
                String bun = name + "'s bun " + i;
                queue.put(bun);
                System.out.println(JavaProcess.current().getPid() + " made " + bun);
            }
            return null;
        }
    }

    /** The seeds' consumer: eats until the queue is shut down (no `None` sentinel), marking each bun done. */
    record Eater(JavaJoinableQueue<String> queue) implements BlockingTask<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            int eaten = 0;
            while (true) {
                String bun;
                try {
                    bun = queue.get();
                } catch (QueueShutdownException e) {
                    return eaten;     // shut down and drained: where Kotlin's asFlow() completes
                }
                Thread.sleep(ThreadLocalRandom.current().nextLong(50, 200));
                System.out.println(JavaProcess.current().getPid() + " ate " + bun);
                queue.taskDone();
                eaten++;
            }
        }
    }

    /** The seeds' producer/consumer: 3 producers and 2 consumers over a JavaJoinableQueue. */
    static final class ProducerConsumer {
        public static void run() throws Exception {
            try (JavaJoinableQueue<String> queue = JavaJoinableQueue.create(String.class)) {
                List<JavaProcess<Void>> bakers = new ArrayList<>();
                for (String name : List.of("egon", "alex", "wupeiqi")) {
                    bakers.add(JavaProcess.of(new Baker(name, queue)).start());
                }
                List<JavaProcess<Integer>> eaters =
                        IntStream.range(0, 2).mapToObj(i -> JavaProcess.of(new Eater(queue)).start()).toList();
                for (JavaProcess<Void> baker : bakers) baker.join();
                queue.join();                     // every bun put was eaten
                System.out.println("main: all " + bakers.size() * 3 + " buns eaten");
                queue.shutdown();                 // the eaters' gets end: no sentinel per consumer
                List<Integer> eaten = new ArrayList<>();
                for (JavaProcess<Integer> eater : eaters) eaten.add(eater.get());
                System.out.println("eaten per consumer: " + eaten);
                for (JavaProcess<Integer> eater : eaters) eater.join();
            }
        }
    }

    /** The seeds' bounded queue: with maxsize 3, the fourth put_nowait fails with Full. */
    static final class BoundedQueue {
        public static void run() throws Exception {
            try (JavaQueue<String> queue = JavaQueue.create(String.class, 3)) {
                for (String item : List.of("first", "second", "third", "fourth")) {
                    // JavaQueue has no isFull: size() == capacity() says the same here, with no other process.
                    if (tryPut(queue, item)) {
                        System.out.println("put " + item + " (size " + queue.size() + ", full: "
                                + (queue.size() == queue.capacity()) + ")");
                    } else {
                        System.out.println("tryPut(" + item + ") failed: the queue is full");
                    }
                }
                System.out.println("get: " + queue.get() + ", then tryPut(fourth) = " + tryPut(queue, "fourth"));
                while (!queue.isEmpty()) System.out.println("get: " + queue.get());
            }
        }

        /** Kotlin's tryPut: JavaQueue's putNowait throws QueueFullException instead of returning false. */
        private static boolean tryPut(JavaQueue<String> queue, String item) {
            try {
                queue.putNowait(item);
                return true;
            } catch (QueueFullException e) {
                return false;
            }
        }
    }
}
