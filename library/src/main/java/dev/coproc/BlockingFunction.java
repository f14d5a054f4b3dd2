package dev.coproc;

/**
 * A function applied to many items in worker processes, written as a Java record: the Java form of
 * {@link TaskFunction}, for {@code map}, {@code imap} and their kin.
 *
 * <pre>{@code
 * record Scale(int factor) implements BlockingFunction<Integer, Integer> {
 *     public Integer apply(Integer item) { return item * factor; }
 * }
 * List<Integer> scaled = pool.map(List.of(1, 2, 3), new Scale(10));
 * }</pre>
 *
 * The record travels once per chunk of items, encoded as {@link BlockingTask} describes; the item and result
 * types are encoded by their declarations. A chunk runs on one worker thread, which a cancellation interrupts.
 *
 * @param <T> the items' type
 * @param <R> the results' type
 */
public interface BlockingFunction<T, R> {
    /** Runs in a worker for one item. */
    R apply(T item) throws Exception;
}
