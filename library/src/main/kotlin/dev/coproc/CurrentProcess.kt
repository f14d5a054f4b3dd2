package dev.coproc

/** Who a process is: its coproc name, its pid and its parent's pid (Python's `current_process()`). */
public class ProcessInfo internal constructor(
    /** `MainProcess` in a JVM that coproc did not start; the [Process] name in a child. */
    public val name: String,
    /** This process's id. */
    public val pid: Long,
    /** The parent's process id as the OS reports it now (1, or a subreaper, after the parent died). */
    public val parentPid: Long,
) {
    override fun toString(): String = "$name (pid $pid, parent $parentPid)"
}

/** Set by the worker runtime in a child; null in a JVM that coproc did not start. */
@Volatile
internal var currentProcessName: String? = null

/** The process this code runs in: inside a task, the child's name and pid; elsewhere `MainProcess`. */
public fun currentProcess(): ProcessInfo {
    val self = ProcessHandle.current()
    val parent = self.parent().map { it.pid() }.orElse(0L)
    return ProcessInfo(currentProcessName ?: "MainProcess", self.pid(), parent)
}
