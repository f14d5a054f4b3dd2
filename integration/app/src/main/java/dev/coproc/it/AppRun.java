package dev.coproc.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One run of a packaged application, as its tests see it: its exit code, its output, the lines of {@link Scenario},
 * and whether any child it printed the pid of is still alive once it exited.
 */
public final class AppRun {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    /** How the application exited. */
    public final int exitCode;
    /** Its stdout and stderr, interleaved. */
    public final String output;
    /** When it was started and when it had exited: a child of the run started in between. */
    private final Instant started;
    private final Instant ended;

    private AppRun(int exitCode, String output, Instant started, Instant ended) {
        this.exitCode = exitCode;
        this.output = output;
        this.started = started;
        this.ended = ended;
    }

    /** Runs {@code java args...} with this JVM's java; a run past two minutes is killed and fails. */
    public static AppRun java(Path directory, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(args));
        Path log = Files.createTempFile("coproc-it", ".log");
        Instant started = Instant.now();
        try {
            java.lang.Process process = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("no exit within " + TIMEOUT + ": " + command + "\n" + read(log));
            }
            return new AppRun(process.exitValue(), read(log), started, Instant.now());
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** What the application wrote; bytes that are not UTF-8 do not hide it. */
    private static String read(Path log) throws IOException {
        return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    }

    /** The value of the first {@code coproc-it key=value} line; fails when there is none. */
    public String value(String key) {
        String start = Scenario.PREFIX + key + "=";
        return output.lines().filter(line -> line.startsWith(start)).findFirst()
            .map(line -> line.substring(start.length()))
            .orElseThrow(() -> new AssertionError("no '" + start + "' line in:\n" + output));
    }

    /** Every child pid the application printed. */
    public List<Long> childPids() {
        String start = Scenario.PREFIX + "pids=";
        List<Long> pids = new ArrayList<>();
        output.lines().filter(line -> line.startsWith(start)).forEach(line -> {
            for (String pid : line.substring(start.length()).split(",")) {
                if (!pid.isBlank()) pids.add(Long.parseLong(pid.trim()));
            }
        });
        return pids;
    }

    /**
     * Fails when a child outlives the application by more than ten seconds: children end when their parent does,
     * even when it never closed them. Only a process started during the run counts: a pid the system gave to
     * another process before or since is not ours, nor is one whose start time cannot be read.
     */
    public void assertNoChildLeft() throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(10);
        for (long pid : childPids()) {
            ProcessHandle child = ProcessHandle.of(pid)
                .filter(handle -> handle.info().startInstant()
                    .map(start -> !start.isBefore(started.minusSeconds(1)) && !start.isAfter(ended)).orElse(false))
                .orElse(null);
            if (child == null) continue;
            try {
                child.onExit().get(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("child " + pid + " outlived the application:\n" + output);
            } catch (ExecutionException e) {
                throw new AssertionError(e);
            }
        }
    }
}
