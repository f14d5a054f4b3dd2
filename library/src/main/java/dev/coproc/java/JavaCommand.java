package dev.coproc.java;

import dev.coproc.Command;
import dev.coproc.CommandInput;
import dev.coproc.CommandOutput;
import dev.coproc.CommandResult;
import dev.coproc.java.internal.CommandCalls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * An external program to run, for Java callers: Python's {@code subprocess.run} and {@code Popen}. Immutable:
 * each setter returns a new command.
 *
 * <pre>{@code
 * CommandResult result = JavaCommand.of("git", "status", "--short").directory(repo).check().run();
 * System.out.println(result.getStdoutText());
 * }</pre>
 *
 * No shell is involved unless asked for ({@link #shell}): the arguments go to the program as they are. The
 * command runs in a process group of its own, so a timeout, an interrupted caller or this JVM's death ends it and
 * everything it started. By default stdin is {@code /dev/null} and both outputs are captured as they come, so no
 * output size can deadlock it.
 */
public final class JavaCommand {
    /** Where an output goes. */
    public enum Output {
        /** Kept in memory and returned in the {@link CommandResult}. */
        CAPTURE,
        /** Read as it comes by the caller of {@link #start()} ({@link JavaRunningCommand#stdout()}). */
        PIPE,
        /** Thrown away ({@code /dev/null}). */
        DISCARD,
        /** This JVM's own stdout or stderr. */
        INHERIT
    }

    private final Command command;

    private JavaCommand(Command command) {
        this.command = command;
    }

    /**
     * A command running {@code argv}; a program without a slash is searched in {@code PATH}.
     *
     * @throws IllegalArgumentException when {@code argv} is empty
     */
    public static JavaCommand of(String... argv) {
        return new JavaCommand(new Command(argv));
    }

    /** A command running {@code argv}. */
    public static JavaCommand of(List<String> argv) {
        return new JavaCommand(new Command(argv));
    }

    /** {@code /bin/sh -c script}: the one way a shell gets involved. */
    public static JavaCommand shell(String script) {
        return new JavaCommand(Command.shell(script));
    }

    /** Wraps a command made by Kotlin code. */
    public static JavaCommand wrap(Command command) {
        return new JavaCommand(command);
    }

    /** The program and its arguments. */
    public List<String> argv() {
        return command.getArgv();
    }

    /** Runs it in {@code directory}. */
    public JavaCommand directory(Path directory) {
        return new JavaCommand(command.directory(directory));
    }

    /** Gives it exactly {@code environment} (by default it inherits this JVM's). */
    public JavaCommand environment(Map<String, String> environment) {
        return new JavaCommand(command.environment(environment));
    }

    /** Adds or replaces one variable in its environment. */
    public JavaCommand env(String name, String value) {
        return new JavaCommand(command.env(name, value));
    }

    /** Feeds it {@code text} (UTF-8), then end-of-file. */
    public JavaCommand stdin(String text) {
        return new JavaCommand(command.stdin(text));
    }

    /** Feeds it {@code bytes}, then end-of-file. */
    public JavaCommand stdin(byte[] bytes) {
        return new JavaCommand(command.stdin(bytes));
    }

    /** Feeds it the contents of {@code file}. */
    public JavaCommand stdinFrom(Path file) {
        return new JavaCommand(command.stdin(new CommandInput.File(file)));
    }

    /** Lets the caller of {@link #start()} write its input ({@link JavaRunningCommand#writeStdin}). */
    public JavaCommand stdinPipe() {
        return new JavaCommand(command.stdin(CommandInput.Pipe.INSTANCE));
    }

    /** Gives it this JVM's own stdin. */
    public JavaCommand stdinInherit() {
        return new JavaCommand(command.stdin(CommandInput.Inherit.INSTANCE));
    }

    /** Where its standard output goes ({@link Output#CAPTURE} by default). */
    public JavaCommand stdout(Output output) {
        return new JavaCommand(command.stdout(output(output)));
    }

    /** Writes its standard output to {@code file}, replacing or appending to what is there. */
    public JavaCommand stdoutTo(Path file, boolean append) {
        return new JavaCommand(command.stdout(new CommandOutput.File(file, append)));
    }

    /** Where its standard error goes ({@link Output#CAPTURE} by default). */
    public JavaCommand stderr(Output output) {
        return new JavaCommand(command.stderr(output(output)));
    }

    /** Writes its standard error to {@code file}, replacing or appending to what is there. */
    public JavaCommand stderrTo(Path file, boolean append) {
        return new JavaCommand(command.stderr(new CommandOutput.File(file, append)));
    }

    /** Sends its standard error where its standard output goes ({@code 2>&1}). */
    public JavaCommand stderrToStdout() {
        return new JavaCommand(command.stderr(CommandOutput.ToStdout.INSTANCE));
    }

    /** Ends it (and its process group) when it runs longer: SIGTERM, then SIGKILL after the grace period. */
    public JavaCommand timeout(Duration timeout) {
        return new JavaCommand(CommandCalls.timeout(command, timeout));
    }

    /** How long a terminated command gets before SIGKILL (2 s by default). */
    public JavaCommand terminateGrace(Duration grace) {
        return new JavaCommand(CommandCalls.terminateGrace(command, grace));
    }

    /** Makes {@link #run()} fail with {@link dev.coproc.CommandFailedException} unless it exits with 0. */
    public JavaCommand check() {
        return new JavaCommand(command.check(true));
    }

    /** Whether it is killed with its process group if this JVM dies while it runs (true by default). */
    public JavaCommand killWithParent(boolean value) {
        return new JavaCommand(command.killWithParent(value));
    }

    /** Runs it at nice value {@code niceness} (-20 to 19). */
    public JavaCommand nice(int niceness) {
        return new JavaCommand(command.nice(niceness));
    }

    /** Pins it (and what it starts) to {@code cpus}. */
    public JavaCommand cpuAffinity(Set<Integer> cpus) {
        return new JavaCommand(command.cpuAffinity(cpus));
    }

    /**
     * Runs it to the end and returns how it ended with what it wrote. An interrupt kills its process group, waits
     * until it is reaped, and throws {@link InterruptedException}.
     *
     * <p>The calling thread serves the command itself, as Python's {@code subprocess.run} does: one {@code poll(2)}
     * over its pipes and its exit, so its end wakes this thread and no other. {@code poll} does not see a Java
     * interrupt, so the thread looks for one every 10 ms. A command fed from a Kotlin {@code Flow}, one keeping a
     * pipe for the caller, or a call on a virtual thread is served the suspending way instead (the thread parks).
     *
     * @throws dev.coproc.ProcessStartException when it cannot be started (not found, not executable, a NUL byte...)
     * @throws dev.coproc.CommandTimeoutException when it ran longer than its {@link #timeout}
     * @throws dev.coproc.CommandFailedException with {@link #check()}, when it did not exit with 0
     */
    public CommandResult run() throws InterruptedException {
        return CommandCalls.run(command);
    }

    /** {@link #run()} as a future; cancelling the future kills the command. */
    public CompletableFuture<CommandResult> runAsync() {
        return CommandCalls.runAsync(command);
    }

    /**
     * Starts it and returns at once (Python's {@code Popen}); close the running command when done.
     *
     * @throws dev.coproc.ProcessStartException when it cannot be started
     */
    public JavaRunningCommand start() {
        return new JavaRunningCommand(command.start());
    }

    /** The Kotlin command behind this facade. */
    public Command asKotlin() {
        return command;
    }

    @Override
    public String toString() {
        return command.toString();
    }

    private static CommandOutput output(Output output) {
        return switch (output) {
            case CAPTURE -> CommandOutput.Capture.INSTANCE;
            case PIPE -> CommandOutput.Pipe.INSTANCE;
            case DISCARD -> CommandOutput.Discard.INSTANCE;
            case INHERIT -> CommandOutput.Inherit.INSTANCE;
        };
    }
}
