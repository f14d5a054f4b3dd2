package dev.coproc.java;

import dev.coproc.CommandResult;
import dev.coproc.RunningCommand;
import dev.coproc.java.internal.CommandCalls;
import dev.coproc.os.ExitStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A started {@link JavaCommand}, for Java callers: Python's {@code Popen}. Wait for its end, signal it, read its
 * piped outputs as {@link InputStream}s, write its piped input. Close it when done: a command still running then
 * is killed with its process group.
 *
 * <pre>{@code
 * try (JavaRunningCommand grep = JavaCommand.of("grep", "x").stdinPipe().stdout(JavaCommand.Output.PIPE).start()) {
 *     grep.writeStdin("x1\ny2\nx3\n");
 *     grep.closeStdin();
 *     String found = new String(grep.stdout().readAllBytes(), StandardCharsets.UTF_8);   // "x1\nx3\n"
 * }
 * }</pre>
 */
public final class JavaRunningCommand implements AutoCloseable {
    private final RunningCommand running;
    /** The output streams handed out, closed with the command: one read partly would hold its pipe otherwise. */
    private final List<InputStream> streams = new CopyOnWriteArrayList<>();

    JavaRunningCommand(RunningCommand running) {
        this.running = running;
    }

    /** Its pid, which is also its process group's id. */
    public long pid() {
        return running.getPid();
    }

    /** The command's argv. */
    public List<String> argv() {
        return running.getArgv();
    }

    /** How it ended, or empty while it runs (Python's {@code poll()}). */
    public Optional<ExitStatus> poll() {
        return Optional.ofNullable(running.poll());
    }

    /** Waits for its end (Python's {@code wait()}). An interrupt stops the wait and leaves the command running. */
    public ExitStatus await() throws InterruptedException {
        return CommandCalls.await(running, null).orElseThrow();
    }

    /** Waits for its end at most {@code timeout}; empty if it still runs. */
    public Optional<ExitStatus> await(Duration timeout) throws InterruptedException {
        return CommandCalls.await(running, timeout);
    }

    /** Completes with its exit status; cancelling the future changes nothing. */
    public CompletableFuture<ExitStatus> onExit() {
        return running.onExit();
    }

    /**
     * Its standard output as it comes; only with {@link JavaCommand.Output#PIPE}, and taken once. Reading blocks
     * while the command writes nothing; end of stream comes when it and what it started closed their output.
     *
     * @throws IllegalStateException when stdout is not a pipe, or was taken already
     */
    public InputStream stdout() {
        return kept(CommandCalls.stdout(running));
    }

    /** Its standard error as it comes; see {@link #stdout()}. */
    public InputStream stderr() {
        return kept(CommandCalls.stderr(running));
    }

    /**
     * Writes {@code bytes} to its standard input; only with {@link JavaCommand#stdinPipe()}. Blocks while the pipe
     * is full.
     *
     * @throws IOException when the command closed its input
     */
    public void writeStdin(byte[] bytes) throws InterruptedException, IOException {
        CommandCalls.writeStdin(running, bytes);
    }

    /** Writes {@code text} (UTF-8) to its standard input; see {@link #writeStdin(byte[])}. */
    public void writeStdin(String text) throws InterruptedException, IOException {
        writeStdin(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Ends its standard input: it reads end-of-file. */
    public void closeStdin() {
        running.closeStdin();
    }

    /**
     * Waits for its end and for the outputs it captured (Python's {@code communicate()}). An interrupt kills its
     * process group and throws {@link InterruptedException}.
     */
    public CommandResult result() throws InterruptedException {
        return CommandCalls.result(running);
    }

    /** Sends {@code signal} ({@link dev.coproc.os.Signals}) to the command itself; false if it has already ended. */
    public boolean sendSignal(int signal) {
        return running.sendSignal(signal);
    }

    /** Sends {@code signal} to its whole process group; false if the group is empty. */
    public boolean signalGroup(int signal) {
        return running.signalGroup(signal);
    }

    /** SIGTERM to the command (Python's {@code terminate()}). */
    public boolean terminate() {
        return running.terminate();
    }

    /** SIGKILL to the command (Python's {@code kill()}). */
    public boolean kill() {
        return running.kill();
    }

    /** Kills it and its process group if still running, and lets go of its pipes and of the streams it gave. */
    @Override
    public void close() {
        running.close();
        for (InputStream stream : streams) {
            try {
                stream.close();
            } catch (IOException e) {
                // Closing a stream over a pipe only cancels its reader: nothing to report.
            }
        }
    }

    private InputStream kept(InputStream stream) {
        streams.add(stream);
        return stream;
    }

    /** The Kotlin handle behind this facade. */
    public RunningCommand asKotlin() {
        return running;
    }

    @Override
    public String toString() {
        return running.toString();
    }
}
