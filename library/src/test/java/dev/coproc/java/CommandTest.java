package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.Command;
import dev.coproc.CommandFailedException;
import dev.coproc.CommandResult;
import dev.coproc.CommandTimeoutException;
import dev.coproc.Daemon;
import dev.coproc.DaemonAlreadyRunningException;
import dev.coproc.DaemonStatus;
import dev.coproc.RunningCommand;
import dev.coproc.os.ExitStatus;
import dev.coproc.os.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Commands and daemons from Java: blocking calls and futures. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandTest {
    private static long fdsBefore;

    @BeforeAll
    static void countFds() throws Exception {
        new Command("true").runBlocking(); // opens the poller's and the reaper's descriptors once
        fdsBefore = TestHygiene.openFds();
    }

    @AfterAll
    static void nothingLeft() throws Exception {
        TestHygiene.assertNothingLeft(fdsBefore);
    }

    @Test
    void runBlockingAndAsync() throws Exception {
        CommandResult result = new Command("sh", "-c", "echo hi; exit 3").runBlocking();
        assertEquals("hi\n", result.getStdoutText());
        assertEquals(3, result.getExitCode());
        CommandResult sorted = new Command("sort").stdin("b\na\n").runAsync().get(30, TimeUnit.SECONDS);
        assertEquals("a\nb\n", sorted.getStdoutText());
    }

    @Test
    void failuresAreTyped() {
        CommandFailedException failed = assertThrows(CommandFailedException.class,
                () -> Command.shell("echo bad >&2; exit 1").check().runBlocking());
        assertEquals(ExitStatus.exited(1), failed.getStatus());
        ExecutionException timedOut = assertThrows(ExecutionException.class,
                () -> new Command("sleep", "100").timeout(Duration.ofMillis(100)).runAsync().get(30, TimeUnit.SECONDS));
        assertInstanceOf(CommandTimeoutException.class, timedOut.getCause());
    }

    @Test
    void startedCommandEndsThroughAFuture() throws Exception {
        try (RunningCommand sleeper = new Command("sleep", "100").start()) {
            assertEquals(null, sleeper.poll());
            sleeper.sendSignal(Signals.SIGTERM);
            ExitStatus status = sleeper.onExit().get(30, TimeUnit.SECONDS);
            assertEquals("SIGTERM", status.signalName());
        }
    }

    @Test
    void daemonFromJava() throws Exception {
        Path pidFile = Files.createTempFile("coproc-java-daemon", ".pid");
        Files.delete(pidFile);
        Daemon daemon = new Daemon(new Command("sleep", "1000"), pidFile);
        long pid = daemon.start();
        try {
            assertEquals(new DaemonStatus.Running(pid), daemon.status());
            assertEquals(pid, assertThrows(DaemonAlreadyRunningException.class, daemon::start).getPid());
        } finally {
            assertTrue(daemon.stopBlocking());
        }
        assertEquals(DaemonStatus.Stopped.INSTANCE, daemon.status());
    }
}
