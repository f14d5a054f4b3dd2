package dev.coproc.demo;

import dev.coproc.BlockingTask;
import dev.coproc.SharedDouble;
import dev.coproc.SharedInt;
import dev.coproc.SharedIntArray;
import dev.coproc.java.JavaBarrier;
import dev.coproc.java.JavaEvent;
import dev.coproc.java.JavaLock;
import dev.coproc.java.JavaProcess;
import dev.coproc.java.JavaSemaphore;
import dev.coproc.java.Shared;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/** The synchronization examples of SyncExamples.kt, in Java: lock, semaphore, event, barrier, shared values. */
public final class JavaSyncExamples {
    private JavaSyncExamples() {}

    /**
     * The seeds' ticket buyer. Without a lock, the seed relies on a network delay to let every buyer read "1
     * left" before anybody writes; here a barrier makes that interleaving certain. With the lock, reading and
     * writing the count is one step, and exactly one buyer gets the ticket.
     */
    record BuyTicket(SharedInt tickets, JavaLock lock, JavaBarrier everyoneRead) implements BlockingTask<Boolean> {
        @Override
        public Boolean call() throws InterruptedException {
            return lock != null ? lock.withLock(this::buy) : buy();
        }

        private boolean buy() throws InterruptedException {
            long pid = JavaProcess.current().getPid();
            int left = tickets.getValue();
            System.out.println(pid + " sees " + left + " ticket(s) left");
            if (everyoneRead != null) everyoneRead.await();
            if (left <= 0) {
                System.out.println(pid + ": sorry, sold out");
                return false;
            }
            tickets.setValue(left - 1);
            System.out.println(pid + " bought a ticket");
            return true;
        }
    }

    /** The seeds' ticket race: three buyers, one ticket, without and then with a lock. */
    static final class TicketRace {
        public static void run() throws Exception {
            try (SharedInt tickets = Shared.sharedInt(1)) {
                try (JavaBarrier everyoneRead = Shared.barrier(3)) {
                    System.out.println("-- without a lock --");
                    int sold = sold(startBuyers(new BuyTicket(tickets, null, everyoneRead)));
                    System.out.println(sold + " buyers think they got the one ticket; tickets left: " + tickets.getValue());
                }
                tickets.setValue(1);
                try (JavaLock lock = Shared.lock()) {
                    System.out.println("-- with a lock --");
                    int sold = sold(startBuyers(new BuyTicket(tickets, lock, null)));
                    System.out.println(sold + " buyer got the one ticket; tickets left: " + tickets.getValue());
                }
            }
        }

        /** Three buyers, each in its own process. */
        private static List<JavaProcess<Boolean>> startBuyers(BuyTicket task) {
            return IntStream.range(0, 3).mapToObj(i -> JavaProcess.of(task).start()).toList();
        }

        /** How many buyers say they bought a ticket. */
        private static int sold(List<JavaProcess<Boolean>> buyers) throws InterruptedException {
            int sold = 0;
            for (JavaProcess<Boolean> buyer : buyers) {
                if (buyer.get()) sold++;
                buyer.join();
            }
            return sold;
        }
    }

    /** Prints its two lines under the lock: another process's lines never come in between. */
    record PrintUnderLock(int n, JavaLock lock) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            return lock.withLock(() -> {
                System.out.println(n + ": " + JavaProcess.current().getPid() + " is running");
                Thread.sleep(100);
                System.out.println(n + ": " + JavaProcess.current().getPid() + " is done");
                return null;
            });
        }
    }

    /** The seeds' five processes printing under one lock. */
    static final class LockPrinting {
        public static void run() throws Exception {
            try (JavaLock lock = Shared.lock()) {
                List<JavaProcess<Void>> workers =
                        IntStream.range(0, 5).mapToObj(n -> JavaProcess.of(new PrintUnderLock(n, lock)).start()).toList();
                for (JavaProcess<Void> worker : workers) worker.join();
            }
        }
    }

    /** Holds one of the semaphore's permits for a while. */
    record UsePermit(String name, JavaSemaphore semaphore) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            return semaphore.withPermit(() -> {
                System.out.println(name + " acquire");
                Thread.sleep(300);
                System.out.println(name + " release");
                return null;
            });
        }
    }

    /** The seeds' Semaphore(2): five processes, at most two inside at a time. */
    static final class SemaphoreTwo {
        public static void run() throws Exception {
            try (JavaSemaphore semaphore = Shared.semaphore(2)) {
                List<JavaProcess<Void>> workers = IntStream.range(0, 5)
                        .mapToObj(i -> JavaProcess.of(new UsePermit("Process-" + (i + 1), semaphore)).start())
                        .toList();
                for (JavaProcess<Void> worker : workers) worker.join();
            }
        }
    }

    /** The seeds' `wait_for_event` (no timeout, a null timeoutMillis) and `wait_for_event_timeout`. */
    record WaitEvent(String name, JavaEvent event, Long timeoutMillis) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            System.out.println(name + ": starting");
            if (timeoutMillis == null) event.await();
            else event.await(Duration.ofMillis(timeoutMillis));
            System.out.println(name + ": event.isSet -> " + event.isSet());
            return null;
        }
    }

    /** The seeds' Event example: one waiter without a timeout, one with; the main process sets the event late. */
    static final class EventExample {
        public static void run() throws Exception {
            try (JavaEvent event = Shared.event()) {
                JavaProcess<Void> blocking = JavaProcess.of(new WaitEvent("wait_for_event", event, null)).start();
                JavaProcess<Void> timed = JavaProcess.of(new WaitEvent("wait_for_event_timeout", event, 500L)).start();
                timed.join();     // its wait times out: the event is not set yet
                System.out.println("main: setting the event");
                event.set();
                blocking.join();
            }
        }
    }

    /** The seeds' barrier action, `openFun`: runs once per round, in the last party's process. */
    record BarrierOpened() implements BlockingTask<Void> {
        @Override
        public Void call() {
            System.out.println("barrier opened (in " + JavaProcess.current().getPid() + ")");
            return null;
        }
    }

    /** Waits at the barrier, then "runs". */
    record WaitAtGate(int n, JavaBarrier barrier) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            System.out.println(n + " waiting for open");
            barrier.await();
            System.out.println(n + " running");
            return null;
        }
    }

    /** The seeds' Barrier(5, openFun) with ten processes started one by one: released in two groups of five. */
    static final class BarrierExample {
        public static void run() throws Exception {
            try (JavaBarrier barrier = Shared.barrier(5, new BarrierOpened())) {
                List<JavaProcess<Void>> workers = new ArrayList<>();
                for (int n = 0; n < 10; n++) {
                    Thread.sleep(150);
                    workers.add(JavaProcess.of(new WaitAtGate(n, barrier)).start());
                }
                for (JavaProcess<Void> worker : workers) worker.join();
            }
        }
    }

    /** The seeds' `func(n, a)`: `n.value = 3.14; a[1] = 9999`. */
    record SetValueAndElement(SharedDouble number, SharedIntArray array) implements BlockingTask<Void> {
        @Override
        public Void call() {
            number.setValue(3.14);
            array.set(1, 9999);
            return null;
        }
    }

    /** The seeds' Value('d', 0.0) and Array('i', range(10)), modified by a child and read by the parent. */
    static final class ValueAndArray {
        public static void run() throws Exception {
            try (SharedDouble number = Shared.sharedDouble(0.0);
                 SharedIntArray array = Shared.intArray(IntStream.range(0, 10).toArray())) {
                System.out.println(Arrays.toString(array.toIntArray()));
                JavaProcess.of(new SetValueAndElement(number, array)).start().join();
                System.out.println(number.getValue());
                System.out.println(Arrays.toString(array.toIntArray()));
            }
        }
    }
}
