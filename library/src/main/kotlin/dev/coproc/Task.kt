package dev.coproc

/**
 * Work that runs in another process: a `@Serializable` value whose [run] is called in the child.
 *
 * The task's class must be `@Serializable` and name a concrete result type, so both sides can encode it
 * and its result without reflection on the data:
 * ```
 * @Serializable
 * class Square(val x: Int) : Task<Int> {
 *     override suspend fun run() = x * x
 * }
 * ```
 * [run] is cancellable: when the caller cancels, the coroutine running it in the child is cancelled.
 */
public interface Task<out R> {
    /** Runs in the child process; its result travels back to the caller, a thrown exception arrives typed. */
    public suspend fun run(): R
}
