package dev.coproc

import dev.coproc.internal.os.Pids
import java.io.IOException
import java.nio.file.Files
import java.nio.file.Path

/**
 * How the OS schedules a process: its nice value, the CPUs it may run on, its process group, read from
 * `/proc`. Set them for workers with [WorkerOptions.Builder.nice] / [WorkerOptions.Builder.cpuAffinity] and
 * for commands with [Command.nice] / [Command.cpuAffinity]: both apply before the program's first instruction.
 */
public object Scheduling {
    /** The nice value of [pid] (this process by default): -20 (favoured) to 19. */
    @JvmStatic
    @JvmOverloads
    public fun nice(pid: Long = Pids.current()): Int = statFields(pid)[16].toInt()

    /** The process group of [pid]. */
    @JvmStatic
    @JvmOverloads
    public fun processGroup(pid: Long = Pids.current()): Long = statFields(pid)[2].toLong()

    /** The CPUs [pid] may run on. */
    @JvmStatic
    @JvmOverloads
    public fun cpuAffinity(pid: Long = Pids.current()): Set<Int> {
        val line = read(pid, "status").lineSequence().first { it.startsWith("Cpus_allowed_list:") }
        return line.substringAfter(':').trim().split(',').filter { it.isNotEmpty() }.flatMap { range ->
            val (from, to) = if ('-' in range) range.split('-').map { it.toInt() } else listOf(range.toInt(), range.toInt())
            (from..to).toList()
        }.toSortedSet()
    }

    /** The fields after the command name in /proc/pid/stat: [0] is the state, [1] the parent, [2] the group. */
    private fun statFields(pid: Long): List<String> {
        val stat = read(pid, "stat")
        return stat.substring(stat.lastIndexOf(')') + 2).trim().split(' ')
    }

    private fun read(pid: Long, file: String): String = try {
        Files.readString(Path.of("/proc", pid.toString(), file))
    } catch (e: IOException) {
        throw IllegalArgumentException("no process $pid", e)
    }
}
