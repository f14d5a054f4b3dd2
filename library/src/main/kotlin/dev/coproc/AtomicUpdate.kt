package dev.coproc

/**
 * A read-modify-write of one managed value (a [ManagedDict] entry, a [ManagedValue], a [ManagedArray]
 * element), run inside the manager while it holds the object, so that concurrent updates from any number of
 * processes never lose one. A lambda cannot cross processes, so an update is a `@Serializable` class, decoded
 * in the manager only if it is a declared one (as tasks are):
 * ```
 * @Serializable
 * class Add(val n: Int) : AtomicUpdate<Int> {
 *     override fun apply(current: Int?): Int = (current ?: 0) + n
 * }
 * dict.update("hits", Add(1))
 * ```
 */
public interface AtomicUpdate<V> {
    /** The new value from the [current] one (null: a dict entry that is absent); returning null removes a dict entry. */
    public fun apply(current: V?): V?
}
