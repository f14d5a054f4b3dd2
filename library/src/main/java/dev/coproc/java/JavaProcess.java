package dev.coproc.java;

import dev.coproc.BlockingTask;
import dev.coproc.BlockingTasks;
import dev.coproc.CoprocException;
import dev.coproc.Process;
import dev.coproc.Task;
import dev.coproc.WorkerOptions;
import dev.coproc.os.ExitStatus;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    /** A process (not yet started) that will run {@code task}. */
    public static <R> JavaProcess<R> of(Task<R> task) {
        return new JavaProcess<>(new Process<>(task));
    }

    /** A process (not yet started) that will run {@code task}, a record. */
    public static <R> JavaProcess<R> of(BlockingTask<R> task) {
        return new JavaProcess<>(new Process<>(BlockingTasks.task(task)));
    }

    /** A process (not yet started) with a name, daemon flag and worker options. */
    public static <R> JavaProcess<R> of(Task<R> task, String name, boolean daemon, WorkerOptions options) {
        return new JavaProcess<>(new Process<>(task, name, daemon, options));
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

    /** Blocks until the child has ended; returns its exit code (minus the signal number when killed). */
    public int join() {
        return unwrap(() -> process.onExit().join()).code();
    }

    /** Blocks until the child has ended or {@code timeout} has passed; true when it has ended. */
    public boolean join(Duration timeout) throws InterruptedException {
        try {
            process.onExit().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    /** Blocks until the result arrives; throws the {@link CoprocException} that explains its absence. */
    public R get() {
        return unwrap(() -> process.result().join());
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

    /** Null while running, the exit code, or minus the signal number. */
    public Integer exitCode() {
        return process.getExitCode();
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

    /** Releases the process; throws {@link IllegalStateException} while it still runs. */
    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return process.toString();
    }

    private interface Blocking<T> {
        T get();
    }

    private static <T> T unwrap(Blocking<T> call) {
        try {
            return call.get();
        } catch (CompletionException e) {
            throw rethrow(e.getCause());
        }
    }

    private static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof RuntimeException runtime) return runtime;
        if (cause instanceof Error error) throw error;
        return new CompletionException(cause);
    }
}
