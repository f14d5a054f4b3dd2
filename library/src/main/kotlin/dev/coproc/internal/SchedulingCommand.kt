package dev.coproc.internal

/**
 * This command line run through `taskset` and `nice` (util-linux and coreutils), which set the CPUs and the nice
 * value and then exec the program: set that way, they hold from its first instruction and for every thread it
 * starts, which setting them on a pid after the spawn could not promise.
 */
internal fun List<String>.withScheduling(niceness: Int?, cpus: Set<Int>?): List<String> {
    var wrapped = this
    niceness?.let { wrapped = listOf("nice", "-n", it.toString()) + wrapped }
    cpus?.let { wrapped = listOf("taskset", "-c", it.sorted().joinToString(",")) + wrapped }
    return wrapped
}
