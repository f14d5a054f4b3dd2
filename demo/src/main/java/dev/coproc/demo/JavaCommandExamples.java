package dev.coproc.demo;

import dev.coproc.BlockingTask;
import dev.coproc.CommandFailedException;
import dev.coproc.CommandResult;
import dev.coproc.java.JavaCommand;
import dev.coproc.java.JavaEvent;
import dev.coproc.java.JavaProcess;
import dev.coproc.java.JavaRunningCommand;
import dev.coproc.java.JavaSignals;
import dev.coproc.java.Shared;
import dev.coproc.os.ExitStatus;
import dev.coproc.os.Signals;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** The Kotlin {@code CommandExamples} (subprocess and signals) written against the Java API only. */
public final class JavaCommandExamples {
    private JavaCommandExamples() {}

    /** The seeds' subprocess section: Popen with pipes, poll, communicate, and the 64 KiB pipe trap. */
    public static final class Subprocess {
        private Subprocess() {}

        public static void run() throws Exception {
            // Popen('ls -l', shell=True, stdout=PIPE): lines as they come.
            try (JavaRunningCommand ls = JavaCommand.shell("ls -l /").stdout(JavaCommand.Output.PIPE).start()) {
                System.out.println("pid " + ls.pid() + ", poll() right after start: " + ls.poll().orElse(null));
                int lines = 0;
                try (BufferedReader out = new BufferedReader(new InputStreamReader(ls.stdout(), StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        if (lines++ < 3) System.out.println("  " + line);
                    }
                }
                System.out.println("  ... " + lines + " lines; ended: " + ls.await());
            }
            // The trap: wait() on a child that fills its 64 KiB pipe never returns in Python. Capture reads as it
            // comes, so any size works.
            for (int size : List.of(64 * 1024, 64 * 1024 + 1, 8 * 1024 * 1024)) {
                CommandResult result = JavaCommand.shell("head -c " + size + " /dev/urandom").stderrToStdout().run();
                System.out.println("dd of " + size + " bytes: " + result.getStdout().length + " bytes captured, " + result);
            }
            // communicate() with input, and check=True.
            String sorted = JavaCommand.of("sort").stdin("pear\napple\nfig\n").run().getStdoutText();
            System.out.println("sort: " + sorted.lines().filter(line -> !line.isEmpty()).toList());
            try {
                JavaCommand.shell("echo 'no such file' >&2; exit 2").check().run();
            } catch (CommandFailedException e) {
                System.out.println("check(): " + e.getMessage());
            }
        }
    }

    /** Prints each of SIGUSR1 and SIGHUP it receives (two of them), then returns. */
    record SignalListener(JavaEvent ready) implements BlockingTask<Void> {
        @Override
        public Void call() throws Exception {
            // The handler runs on the JVM's signal thread: it only hands the signal over, as trySend on a channel.
            BlockingQueue<Integer> received = new LinkedBlockingQueue<>(8);
            AutoCloseable handlers = JavaSignals.handle(received::offer, Signals.SIGUSR1, Signals.SIGHUP);
            try {
                ready.set(); // the handlers are in place: handle() installs them before it returns
                for (int i = 0; i < 2; i++) System.out.println("child got " + Signals.name(received.take()));
            } finally {
                handlers.close();
            }
            return null;
        }
    }

    /** The seeds' {@code os.kill(pid, sig)} and {@code signal.signal}: a child handles USR1 and HUP; TERM ends it with -15. */
    public static final class SignalExample {
        private SignalExample() {}

        public static void run() throws Exception {
            try (JavaEvent ready = Shared.event()) {
                JavaProcess<Void> child = JavaProcess.of(new SignalListener(ready)).start();
                ready.await();
                long pid = child.pid().getAsLong();
                Signals.send(pid, Signals.SIGUSR1);
                Signals.send(pid, Signals.SIGHUP);
                child.join();
                System.out.println("child ended: " + child.onExit().join()); // complete already: the child has ended
                try (JavaRunningCommand sleeper = JavaCommand.of("sleep", "100").start()) {
                    sleeper.terminate();
                    ExitStatus status = sleeper.await();
                    System.out.println("sleep after terminate(): " + status + " (returncode " + status.code() + ")");
                }
            }
        }
    }
}
