package dev.coproc

/**
 * A function applied to many items in worker processes, as the function given to Python's `Pool.map`:
 * a `@Serializable` class (usually an `object`) naming concrete item and result types.
 * ```
 * @Serializable
 * object Square : TaskFunction<Int, Int> {
 *     override suspend fun run(item: Int) = item * item
 * }
 * pool.map(1..100, Square)
 * ```
 * The function value travels once per chunk of items, not once per item.
 */
public interface TaskFunction<in T, out R> {
    /** Runs in a worker for one item; cancellable like any suspending call. */
    public suspend fun run(item: T): R
}

/** A two-argument [TaskFunction], for `starmap` over pairs. */
public interface TaskFunction2<in A, in B, out R> {
    /** Runs in a worker for one pair of arguments. */
    public suspend fun run(first: A, second: B): R
}
