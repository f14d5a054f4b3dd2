package dev.coproc.demo;

import dev.coproc.BlockingTask;
import dev.coproc.ProcessDiedException;
import dev.coproc.ProcessInfo;
import dev.coproc.RemoteTaskException;
import dev.coproc.WorkerOptions;
import dev.coproc.java.JavaProcess;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** The seed examples of SeedExamples.kt in plain Java: processes started, joined, signalled, from records. */
final class JavaSeedExamples {
    private JavaSeedExamples() {}

    /** The seeds' {@code simpleRoutine}: a child that prints its pid and its parent's. */
    record Routine(String label, long delayMillis) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            ProcessInfo me = JavaProcess.current();
            System.out.println("routine " + label + " starting: pid " + me.getPid() + ", parent " + me.getParentPid());
            Thread.sleep(delayMillis);
            System.out.println("routine " + label + " finished");
            return null;
        }
    }

    /** Two children started side by side, each showing the main process as its parent. */
    static final class Pids {
        private Pids() {}

        public static void run() throws Exception {
            System.out.println("main process: pid " + JavaProcess.current().getPid());
            JavaProcess<Void> first = JavaProcess.of(new Routine("First", 500)).start();
            JavaProcess<Void> second = JavaProcess.of(new Routine("Two", 1000)).start();
            first.join();
            second.join();
        }
    }

    // The Kotlin ClockProcess subclasses Process and overrides run(), a suspend function Java cannot override:
    // here the same loop is a task record, run by JavaProcess.of like any other.
    /** The seeds' ClockProcess: prints the time every interval until it is stopped. */
    record ClockTask(long intervalMillis) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            DateTimeFormatter format = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
            while (true) {
                System.out.println("the time is " + LocalTime.now().format(format));
                Thread.sleep(intervalMillis);
            }
        }
    }

    /** A join with a timeout that returns while the child still runs, then terminate(). */
    static final class Clock {
        private Clock() {}

        public static void run() throws Exception {
            JavaProcess<Void> clock = JavaProcess.of(new ClockTask(500)).start();
            clock.join(Duration.ofSeconds(2));        // returns while the clock still runs
            System.out.println("clock alive after 2 s: " + clock.isAlive());
            clock.terminate();
            int code = clock.join();
            System.out.println("clock exit code: " + code);  // -15, as Python reports terminate()
        }
    }

    /** Prints a tick every 300 ms, {@code ticks} times, or forever when {@code ticks} is 0. */
    record Ticker(String label, int ticks) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            int tick = 0;
            while (ticks == 0 || tick < ticks) {
                System.out.println(label + " tick " + ++tick);
                Thread.sleep(300);
            }
            return null;
        }
    }

    // The Java API has no processScope: the try/finally below does what leaving the Kotlin scope does.
    /** A daemon child is terminated at the end while a non-daemon one is waited for. */
    static final class Daemons {
        private Daemons() {}

        public static void run() throws Exception {
            // of(task) makes no daemon, so this one takes the long form, and with it a name.
            JavaProcess<Void> daemon =
                    JavaProcess.of(new Ticker("daemon", 0), "ticker-daemon", true, WorkerOptions.DEFAULT).start();
            JavaProcess<Void> regular = JavaProcess.of(new Ticker("non-daemon", 3)).start();
            try {
                Thread.sleep(1000); // let both tick a while
                System.out.println("scope body done; leaving the scope joins the non-daemon and terminates the daemon");
            } finally {
                // processScope terminates the daemons first, then joins the others (on a failure it terminates
                // both; here only an interrupt can fail, and joining the three-tick child then is as good).
                terminateAndWait(daemon);
                regular.join();
            }
            System.out.println("non-daemon exit code " + regular.exitCode().getAsInt()
                    + ", daemon exit code " + daemon.exitCode().getAsInt());
        }

        /** SIGTERM, then SIGKILL if the child outlives the default grace period, as processScope does. */
        private static void terminateAndWait(JavaProcess<?> process) throws InterruptedException {
            if (!process.isAlive()) return;
            process.terminate();
            if (!process.join(WorkerOptions.DEFAULT.terminateGrace())) {
                process.kill();
                process.join();
            }
        }
    }

    /** Leaves the child with its own exit code. */
    record ExitCode(int code) implements BlockingTask<Void> {
        @Override
        public Void call() {
            System.exit(code);
            return null;
        }
    }

    /** Fails in the child; the caller sees a RemoteTaskException. */
    record Raise(String message) implements BlockingTask<Void> {
        @Override
        public Void call() {
            throw new IllegalArgumentException(message);
        }
    }

    /** Never ends by itself: something to kill or terminate. */
    record Forever() implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            while (true) Thread.sleep(1000);
        }
    }

    /** Every way a child can end, as exit code and exit status, and what get() throws for the failed ones. */
    static final class ExitCodes {
        private ExitCodes() {}

        public static void run() throws Exception {
            JavaProcess<Void> normal = JavaProcess.of(new Ticker("normal", 1)).start();
            JavaProcess<Void> exits3 = JavaProcess.of(new ExitCode(3)).start();
            JavaProcess<Void> raises = JavaProcess.of(new Raise("bad input")).start();
            JavaProcess<Void> killed = JavaProcess.of(new Forever()).start();
            JavaProcess<Void> terminated = JavaProcess.of(new Forever()).start();
            killed.kill();
            terminated.terminate();
            for (JavaProcess<Void> p : List.of(normal, exits3, raises, killed, terminated)) {
                p.join();
                // onExit() has completed by now: the Java face of Kotlin's exitStatus property.
                System.out.println(p.name() + ": exit code " + p.exitCode().getAsInt() + " (" + p.onExit().get() + ")");
            }
            try {
                raises.get();
            } catch (RemoteTaskException e) {
                System.out.println("get() of " + raises.name() + " threw: " + e.getMessage());
            }
            try {
                exits3.get();
            } catch (ProcessDiedException e) {
                System.out.println("get() of " + exits3.name() + " threw: " + e.getMessage());
            }
        }
    }
}
