package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.CommandFailedException;
import dev.coproc.CommandResult;
import dev.coproc.CommandTimeoutException;
import dev.coproc.DaemonAlreadyRunningException;
import dev.coproc.DaemonStatus;
import dev.coproc.ProcessStartException;
import dev.coproc.os.ExitStatus;
import dev.coproc.os.Signals;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Commands and daemons from Java: blocking calls, futures, streams. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandTest {
    private static long fdsBefore;

    @BeforeAll
    static void countFds() throws Exception {
        JavaCommand.of("true").run(); // opens the poller's and the reaper's descriptors once
        fdsBefore = TestHygiene.fdsBefore();
    }

    @AfterAll
    static void nothingLeft() throws Exception {
        TestHygiene.assertNothingLeft(fdsBefore);
    }

    @Test
    void runBlockingAndAsync() throws Exception {
        CommandResult result = JavaCommand.of("sh", "-c", "echo hi; echo oops >&2; exit 3").run();
        assertEquals("hi\n", result.getStdoutText());
        assertEquals("oops\n", result.getStderrText());
        assertEquals(3, result.getExitCode());
        CommandResult sorted = JavaCommand.of("sort").stdin("b\na\n").runAsync().get(30, TimeUnit.SECONDS);
        assertEquals("a\nb\n", sorted.getStdoutText());
        CommandResult merged = JavaCommand.shell("echo out; echo err >&2").stderrToStdout().env("X", "1").run();
        assertEquals("out\nerr\n", merged.getStdoutText());
        assertEquals(List.of("sort"), JavaCommand.of("sort").argv());
    }

    @Test
    void outputsToFilesAndFromFiles(@TempDir Path directory) throws Exception {
        Path input = Files.writeString(directory.resolve("in.txt"), "3\n1\n2\n");
        Path output = directory.resolve("out.txt");
        JavaCommand.of("sort").stdinFrom(input).stdoutTo(output, false).directory(directory).run();
        assertEquals("1\n2\n3\n", Files.readString(output));
        CommandResult quiet = JavaCommand.shell("echo x").stdout(JavaCommand.Output.DISCARD).run();
        assertEquals("", quiet.getStdoutText());
    }

    @Test
    void settingsReachTheCommand(@TempDir Path directory) throws Exception {
        CommandResult result = JavaCommand.shell("echo $X; nice; grep Cpus_allowed_list /proc/self/status | cut -f2")
                .environment(Map.of("X", "set", "PATH", System.getenv("PATH")))
                .nice(5)
                .cpuAffinity(Set.of(0))
                .killWithParent(false)
                .terminateGrace(Duration.ofMillis(200))
                .stdinInherit()
                .run();
        assertEquals("set\n5\n0\n", result.getStdoutText());
        Path errors = directory.resolve("errors.txt");
        CommandResult quiet = JavaCommand.shell("echo e1 >&2").stderrTo(errors, false).run();
        JavaCommand.shell("echo e2 >&2").stderrTo(errors, true).run();
        assertEquals("", quiet.getStderrText());
        assertEquals("e1\ne2\n", Files.readString(errors));
        assertEquals("", JavaCommand.shell("echo gone >&2").stderr(JavaCommand.Output.DISCARD).run().getStderrText());
    }

    @Test
    void failuresAreTyped() {
        CommandFailedException failed = assertThrows(CommandFailedException.class,
                () -> JavaCommand.shell("echo bad >&2; exit 1").check().run());
        assertEquals(ExitStatus.exited(1), failed.getStatus());
        ExecutionException timedOut = assertThrows(ExecutionException.class,
                () -> JavaCommand.of("sleep", "100").timeout(Duration.ofMillis(100)).runAsync().get(30, TimeUnit.SECONDS));
        assertInstanceOf(CommandTimeoutException.class, timedOut.getCause());
        assertThrows(ProcessStartException.class, () -> JavaCommand.of("/nonexistent/program").run());
        assertThrows(ProcessStartException.class, () -> JavaCommand.of("echo", "nul\0byte").run());
        assertThrows(IllegalArgumentException.class, () -> JavaCommand.of());
    }

    @Test
    void anInterruptedRunKillsTheCommandAndThrowsInterruptedException(@TempDir Path directory) throws Exception {
        Path pidFile = directory.resolve("pid");
        long pid = interruptOnceStarted(JavaCommand.shell("echo $$ > " + pidFile + "; exec sleep 100"), pidFile);
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the command survived its interrupted caller");
    }

    @Test
    void anInterruptWhileWhatTheCommandStartedHoldsItsOutputKillsThatToo(@TempDir Path directory) throws Exception {
        Path pidFile = directory.resolve("pid");
        // The shell ends at once; the sleep it left holds stdout, so the run waits for its end of file.
        long pid = interruptOnceStarted(JavaCommand.shell("sleep 100 & echo $! > " + pidFile), pidFile);
        assertTrue(awaitGone(pid), "what the command started survived its interrupted caller");
    }

    /**
     * Runs {@code command} on a thread of its own, interrupts that thread once the command has written a pid and a
     * newline to {@code pidFile}, and checks that {@code run()} threw {@link InterruptedException}; the pid.
     */
    private static long interruptOnceStarted(JavaCommand command, Path pidFile) throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread runner = new Thread(() -> {
            try {
                command.run();
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(e);
            }
        });
        runner.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(Files.exists(pidFile) && Files.readString(pidFile).endsWith("\n")) && System.nanoTime() < deadline) Thread.onSpinWait();
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        runner.interrupt();
        assertInstanceOf(InterruptedException.class, thrown.get(30, TimeUnit.SECONDS));
        return pid;
    }

    @Test
    void aRunFeedsAndCapturesMoreThanAPipeHoldsBothWaysAtOnce() throws Exception {
        byte[] input = new byte[3 << 20];
        new Random(7).nextBytes(input);
        assertArrayEquals(input, JavaCommand.of("cat").stdin(input).run().getStdout());
        CommandResult flood = JavaCommand.shell("head -c 1048576 /dev/zero >&2 & head -c 1048576 /dev/zero; wait").run();
        assertEquals(1 << 20, flood.getStdout().length);
        assertEquals(1 << 20, flood.getStderr().length);
        // A command that stops reading its input early is no error, as with Python's communicate().
        CommandResult head = JavaCommand.of("head", "-c", "1").stdin(input).run();
        assertEquals(0, head.getExitCode());
        assertArrayEquals(new byte[] {input[0]}, head.getStdout());
        assertEquals("", JavaCommand.of("cat").stdin(new byte[0]).run().getStdoutText());
        // The shell ends at once; what it left running reads the input to its end, and gets all of it.
        assertArrayEquals(input, JavaCommand.shell("exec 3<&0; cat <&3 &").stdin(input).run().getStdout());
    }

    @Test
    void aRunWaitsForTheOutputOfWhatTheCommandLeftRunning() throws Exception {
        assertEquals("early\nlate\n", JavaCommand.shell("(sleep 0.2; echo late) & echo early").run().getStdoutText());
    }

    @Test
    void aRunThatTimesOutEndsTheWholeGroupAndKeepsWhatItWrote(@TempDir Path directory) throws Exception {
        Path pidFile = directory.resolve("pid");
        // SIGTERM ignored by the shell and the sleep it starts: the grace runs out, and SIGKILL ends both.
        CommandTimeoutException timedOut = assertThrows(CommandTimeoutException.class, () -> JavaCommand
                .shell("trap '' TERM; echo started; echo warned >&2; sleep 100 & echo $! > " + pidFile + "; wait")
                .timeout(Duration.ofMillis(300))
                .terminateGrace(Duration.ofMillis(200))
                .run());
        assertEquals("started\n", new String(timedOut.getStdout(), StandardCharsets.UTF_8));
        assertEquals("warned\n", new String(timedOut.getStderr(), StandardCharsets.UTF_8));
        assertTrue(awaitGone(Long.parseLong(Files.readString(pidFile).trim())), "the timed-out command's group survived");
    }

    /** Whether {@code pid} is gone, or a zombie, within 10 seconds. */
    private static boolean awaitGone(long pid) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String stat;
            try {
                stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            } catch (java.io.IOException gone) {
                return true;
            }
            if (stat.charAt(stat.lastIndexOf(')') + 2) == 'Z') return true;
            Thread.onSpinWait();
        }
        return false;
    }

    @Test
    void aRunOnAnInterruptedThreadStartsNothingItLeaves() throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread runner = new Thread(() -> {
            Thread.currentThread().interrupt();
            try {
                JavaCommand.of("sleep", "1000").stdin("unread").run();
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(e);
            }
        });
        runner.start();
        assertInstanceOf(InterruptedException.class, thrown.get(30, TimeUnit.SECONDS));
        // The class's hygiene check finds no child and no descriptor left.
    }

    @Test
    void startedCommandWithPipes() throws Exception {
        try (JavaRunningCommand grep = JavaCommand.of("grep", "x").stdinPipe().stdout(JavaCommand.Output.PIPE).start()) {
            grep.writeStdin("x1\ny2\n");
            grep.writeStdin("x3\n".getBytes(StandardCharsets.UTF_8));
            grep.closeStdin();
            try (InputStream out = grep.stdout()) {
                assertEquals("x1\nx3\n", new String(out.readAllBytes(), StandardCharsets.UTF_8));
            }
            assertEquals(ExitStatus.exited(0), grep.await());
            assertEquals(Optional.of(ExitStatus.exited(0)), grep.poll());
            assertThrows(IllegalStateException.class, grep::stdout);
        }
    }

    @Test
    void aStartedCommandsStderrAndItsGroup() throws Exception {
        try (JavaRunningCommand noisy = JavaCommand.shell("echo oops >&2").stderr(JavaCommand.Output.PIPE).start();
             InputStream errors = noisy.stderr()) {
            assertEquals("oops\n", new String(errors.readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(ExitStatus.exited(0), noisy.await());
        }
        try (JavaRunningCommand group = JavaCommand.shell("sleep 100 & wait").start()) {
            assertTrue(group.signalGroup(Signals.SIGTERM));
            assertEquals("SIGTERM", group.await().signalName());
        }
    }

    @Test
    void closingACommandClosesTheStreamItGaveEvenHalfRead() throws Exception {
        // `yes` writes forever: the stream is read a little, then the command is closed under it. The class's
        // hygiene check finds the pipe closed and the command gone.
        JavaRunningCommand yes = JavaCommand.of("yes").stdout(JavaCommand.Output.PIPE).start();
        InputStream out = yes.stdout();
        assertEquals('y', out.read());
        yes.close();
        assertEquals(Signals.SIGKILL, yes.onExit().get(30, TimeUnit.SECONDS).signal());
        byte[] rest = new byte[1 << 16];
        while (out.read(rest) >= 0) {
            // drains what was read ahead, then sees the end
        }
    }

    @Test
    void startedCommandEndsThroughAFutureOrASignal() throws Exception {
        try (JavaRunningCommand sleeper = JavaCommand.of("sleep", "100").start()) {
            assertEquals(Optional.empty(), sleeper.poll());
            assertEquals(Optional.empty(), sleeper.await(Duration.ofMillis(20)));
            assertTrue(sleeper.sendSignal(Signals.SIGTERM));
            ExitStatus status = sleeper.onExit().get(30, TimeUnit.SECONDS);
            assertEquals("SIGTERM", status.signalName());
            assertFalse(sleeper.terminate());
        }
        try (JavaRunningCommand echo = JavaCommand.of("echo", "done").start()) {
            assertEquals("done\n", echo.result().getStdoutText());
            assertTrue(echo.pid() > 0);
        }
    }

    @Test
    void signalsReachAJavaHandlerUntilItIsClosed() throws Exception {
        java.util.concurrent.LinkedBlockingQueue<Integer> received = new java.util.concurrent.LinkedBlockingQueue<>();
        long self = ProcessHandle.current().pid();
        AutoCloseable handlers = JavaSignals.handle(received::add, Signals.SIGUSR2);
        try {
            Signals.send(self, Signals.SIGUSR2);
            assertEquals(Signals.SIGUSR2, received.poll(30, TimeUnit.SECONDS));
        } finally {
            handlers.close();
        }
        assertThrows(IllegalArgumentException.class, () -> JavaSignals.handle(received::add, Signals.SIGKILL));
        assertThrows(IllegalArgumentException.class, () -> JavaSignals.handle(received::add));
    }

    @Test
    void daemonFromJava(@TempDir Path directory) throws Exception {
        Path pidFile = directory.resolve("java-daemon.pid");
        JavaDaemon daemon = JavaDaemon.builder(JavaCommand.of("sleep", "1000"), pidFile)
                .logFile(directory.resolve("log"))
                .stopGrace(Duration.ofSeconds(5))
                .build();
        assertEquals(pidFile, daemon.pidFile());
        long pid = daemon.start();
        try {
            assertEquals(new DaemonStatus.Running(pid), daemon.status());
            assertEquals(pid, assertThrows(DaemonAlreadyRunningException.class, daemon::start).getPid());
            long again = daemon.restart();
            assertTrue(again != pid, "restart kept the pid " + pid);
            assertEquals(new DaemonStatus.Running(again), JavaDaemon.of(JavaCommand.of("sleep", "1000"), pidFile).status());
        } finally {
            assertTrue(daemon.stop());
        }
        assertEquals(DaemonStatus.Stopped.INSTANCE, daemon.status());
        assertFalse(daemon.stop());
    }
}
