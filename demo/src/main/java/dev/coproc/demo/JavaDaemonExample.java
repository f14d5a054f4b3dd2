package dev.coproc.demo;

import dev.coproc.DaemonAlreadyRunningException;
import dev.coproc.java.JavaCommand;
import dev.coproc.java.JavaDaemon;
import dev.coproc.java.JavaSignals;
import dev.coproc.os.Signals;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** The Kotlin {@code DaemonExample} written against the Java API only. */
public final class JavaDaemonExample {
    private JavaDaemonExample() {}

    /** The seeds' test_daemon: logs that it is alive every few seconds; SIGTERM ends it cleanly. */
    public static final class AliveDaemon {
        private AliveDaemon() {}

        public static void main(String[] args) throws Exception {
            System.out.println("Daemon started with pid " + ProcessHandle.current().pid());
            // The handler only wakes the main thread, which logs and exits: keep the JVM's signal thread short.
            CountDownLatch sigterm = new CountDownLatch(1);
            AutoCloseable handler = JavaSignals.handle(signal -> sigterm.countDown(), Signals.SIGTERM);
            try {
                do {
                    System.out.println("Daemon Alive! " + LocalTime.now().withNano(0));
                } while (!sigterm.await(3, TimeUnit.SECONDS));
            } finally {
                handler.close();
            }
            System.out.println("Daemon got SIGTERM, exiting");
            System.exit(0);
        }
    }

    /** {@code demo java-daemon start|stop|restart|status}: the seeds' daemon, with its pidfile and log in the temp folder. */
    public static final class DaemonExample {
        private DaemonExample() {}

        private static final Path FOLDER = Path.of(System.getProperty("java.io.tmpdir"));
        // Files of their own, so that this daemon and the Kotlin example's never take each other's pidfile.
        private static final Path LOG_FILE = FOLDER.resolve("coproc-demo-java-daemon.log");
        private static final JavaDaemon DAEMON = JavaDaemon.builder(
                        JavaCommand.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp", absoluteClasspath(), AliveDaemon.class.getName()),
                        FOLDER.resolve("coproc-demo-java-daemon.pid"))
                .logFile(LOG_FILE)
                .stopGrace(Duration.ofSeconds(5))
                .build();

        /** A daemon runs in {@code /}: relative classpath entries would name nothing there. */
        private static String absoluteClasspath() {
            return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .map(entry -> Path.of(entry).toAbsolutePath().toString())
                    .collect(Collectors.joining(File.pathSeparator));
        }

        public static void command(String action) throws Exception {
            switch (action) {
                case "start" -> {
                    try {
                        System.out.println("started, pid " + DAEMON.start() + "; log: " + LOG_FILE);
                    } catch (DaemonAlreadyRunningException e) {
                        System.out.println(e.getMessage());
                    }
                }
                case "stop" -> System.out.println(DAEMON.stop() ? "stopped" : "not running");
                case "restart" -> System.out.println("restarted, pid " + DAEMON.restart());
                case "status" -> System.out.println(DAEMON.status());
                default -> System.out.println("usage: java-daemon start|stop|restart|status");
            }
        }

        /** The whole story, for {@code demo all}. */
        public static void run() throws Exception {
            for (String action : List.of("status", "start", "start", "status")) {
                System.out.print("daemon " + action + ": ");
                command(action);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (Files.readAllLines(LOG_FILE).stream().noneMatch(line -> line.startsWith("Daemon Alive"))) {
                if (System.nanoTime() > deadline) throw new TimeoutException("no Daemon Alive in " + LOG_FILE + " after 60 s");
                Thread.sleep(100);
            }
            List<String> log = Files.readAllLines(LOG_FILE);
            System.out.println("log: " + log.subList(Math.max(0, log.size() - 2), log.size()));
            System.out.print("daemon stop: ");
            command("stop");
            System.out.print("daemon status: ");
            command("status");
            log = Files.readAllLines(LOG_FILE);
            System.out.println("log: " + log.get(log.size() - 1));
        }
    }
}
