package dev.coproc

/**
 * A read-modify-write of one [SharedDict] entry, run inside the manager while it holds the dict, so that
 * concurrent updates from any number of processes never lose one: [SharedDict.update]. A lambda cannot cross
 * processes, so an operation is a `@Serializable` class, decoded in the manager only if it is a declared one
 * (as tasks are):
 * ```
 * @Serializable
 * class Add(val n: Int) : DictOperation<Int> {
 *     override fun apply(current: Int?): Int = (current ?: 0) + n
 * }
 * dict.update("hits", Add(1))
 * ```
 */
public interface DictOperation<V> {
    /** The entry's new value from its [current] one (null: absent); returning null removes the entry. */
    public fun apply(current: V?): V?
}
