package dev.coproc;

/**
 * Work that runs in another process, written as a Java record with a plain blocking method: the Java form of
 * {@link Task}. No compiler plugin is needed: the record's components travel, each encoded by its declared
 * type, and the worker rebuilds the record through its canonical constructor.
 *
 * <pre>{@code
 * record Square(int x) implements BlockingTask<Integer> {
 *     public Integer call() { return x * x; }
 * }
 * int nine = pool.apply(new Square(3));
 * }</pre>
 *
 * Components may be primitives and their boxes, {@code String}, arrays, enums, {@code List}, {@code Set},
 * {@code Map}, {@code Optional}, other records, and every coproc handle (queues, pipe ends, shared values,
 * locks, manager proxies). A component declared as an interface or abstract class (such as {@code Object})
 * cannot travel: the task fails at submission with a {@link TaskEncodingException} naming it. The worker
 * decodes only a record that implements this interface; it never builds a class named by the data.
 *
 * <p>{@link #call()} runs on a worker thread; cancelling the task (a cancelled future, a timeout) interrupts
 * that thread. Whatever it throws arrives at the caller as a {@link RemoteTaskException}.
 *
 * @param <R> the result's type, encoded by its declaration like a component
 */
public interface BlockingTask<R> {
    /** Runs in the worker process and returns the result that travels back to the caller. */
    R call() throws Exception;
}
