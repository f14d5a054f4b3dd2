package dev.coproc.java;

import dev.coproc.BlockingTask;
import dev.coproc.BlockingTasks;
import dev.coproc.CoprocException;
import dev.coproc.CurrentProcessKt;
import dev.coproc.Process;
import dev.coproc.ProcessInfo;
import dev.coproc.WorkerOptions;
import dev.coproc.java.internal.ProcessCalls;
import dev.coproc.os.ExitStatus;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * {@link Process} for Java callers: {@link CompletableFuture}s for the exit status and the result, and
 * blocking {@code join}/{@code get} where Java code expects them.
 *
 * <pre>{@code
 * try (JavaProcess<Integer> p = JavaProcess.of(new Square(7)).start()) {
 *     int result = p.get();                       // blocks; or p.result().thenAccept(...)
 *     int code = p.join();                        // 0
 * }
 * }</pre>
 *
 * Failures are the same {@link CoprocException} subtypes as in Kotlin: {@code get()} throws them directly,
 * the futures complete exceptionally with them.
 */
public final class JavaProcess<R> implements AutoCloseable {
    private final Process<R> process;

    private JavaProcess(Process<R> process) {
        this.process = process;
    }

    /** A process (not yet started) that will run {@code task}, a record. */
    public static <R> JavaProcess<R> of(BlockingTask<R> task) {
        return new JavaProcess<>(new Process<>(BlockingTasks.task(task)));
    }

    /** A process (not yet started) that will run {@code task}, a record, with a name, daemon flag and worker options. */
    public static <R> JavaProcess<R> of(BlockingTask<R> task, String name, boolean daemon, WorkerOptions options) {
        return new JavaProcess<>(new Process<>(BlockingTasks.task(task), name, daemon, options));
    }

    /**
     * Who the calling code runs as (Python's {@code current_process()}): inside a task, its process's name and pid;
     * elsewhere {@code MainProcess}.
     */
    public static ProcessInfo current() {
        return CurrentProcessKt.currentProcess();
    }

    /** Wraps a Kotlin {@link Process}, for instance a subclass that overrides {@code run()}. */
    public static <R> JavaProcess<R> wrap(Process<R> process) {
        return new JavaProcess<>(process);
    }

    /** Starts the child; see {@link Process#start()}. */
    public JavaProcess<R> start() {
        process.start();
        return this;
    }

    /** Completes with the exit status once the child has ended. Cancelling the future changes nothing. */
    public CompletableFuture<ExitStatus> onExit() {
        return process.onExit();
    }

    /** Completes with the task's result, or exceptionally with a {@link CoprocException}. */
    public CompletableFuture<R> result() {
        return process.result();
    }

    /**
     * Blocks until the child has ended; returns its exit code (minus the signal number when killed). An interrupt
     * terminates the child and throws {@link InterruptedException}, as cancelling a Kotlin caller does.
     */
    public int join() throws InterruptedException {
        return ProcessCalls.join(process);
    }

    /**
     * Blocks until the child has ended or {@code timeout} has passed; true when it has ended. A timeout leaves the
     * child running; an interrupt terminates it and throws {@link InterruptedException}.
     */
    public boolean join(Duration timeout) throws InterruptedException {
        return ProcessCalls.join(process, timeout);
    }

    /**
     * Blocks until the result arrives; throws the {@link CoprocException} that explains its absence. An interrupt
     * terminates the child and throws {@link InterruptedException}.
     */
    public R get() throws InterruptedException {
        return ProcessCalls.await(process);
    }

    /** True from start until the child has ended. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The child's pid, empty before start. */
    public OptionalLong pid() {
        Long pid = process.getPid();
        return pid == null ? OptionalLong.empty() : OptionalLong.of(pid);
    }

    /** The exit code, or minus the signal number; empty while it runs. */
    public OptionalInt exitCode() {
        Integer code = process.getExitCode();
        return code == null ? OptionalInt.empty() : OptionalInt.of(code);
    }

    /** The process name ({@code Process-N} by default). */
    public String name() {
        return process.getName();
    }

    /** SIGTERM; the child's exit code becomes -15. */
    public void terminate() {
        process.terminate();
    }

    /** SIGKILL; the child's exit code becomes -9. */
    public void kill() {
        process.kill();
    }

    /** Sends any signal to the child. */
    public void sendSignal(int signal) {
        process.sendSignal(signal);
    }

    /** The Kotlin process behind this facade. */
    public Process<R> asKotlin() {
        return process;
    }

    /**
     * Releases the process. A child that delivered its result is given a second to exit, then terminated; one
     * still running without a result makes this throw {@link IllegalStateException}.
     */
    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return process.toString();
    }
}
