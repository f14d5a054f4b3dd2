package dev.coproc.internal.channel

import dev.coproc.internal.withScheduling
import java.nio.file.Path

/**
 * How to start one worker JVM, as plain data the public layer computes from its `WorkerOptions`: every field
 * that shapes the JVM or its process. Two equal launches start interchangeable workers, so a standby worker
 * started for one serves the other: a new field that shapes the worker belongs here, or a worker of another
 * shape could be handed out.
 */
internal data class WorkerLaunch(
    val javaHome: Path,
    val classpath: String,
    /** [WORKER_MAIN_CLASS], or a launcher that sets up the class loading and then runs it. */
    val mainClass: String,
    val maxHeap: String?,
    val systemProperties: Map<String, String>,
    val jvmArgs: List<String>,
    val fastStart: Boolean,
    val serialGc: Boolean,
    val environment: Map<String, String>?,
    val workingDirectory: Path?,
    val prefixOutput: Boolean,
    val newProcessGroup: Boolean,
    val niceness: Int?,
    val cpuAffinity: Set<Int>?,
    val classDataSharing: Boolean,
    val cacheDirectory: Path,
    val maxFrameSize: Int,
) {
    /** The command line of a worker JVM, run through `taskset`/`nice` when [cpuAffinity]/[niceness] ask for it. */
    fun argv(archive: ClassDataArchive.Plan): List<String> = javaCommand(archive).withScheduling(niceness, cpuAffinity)

    private fun javaCommand(archive: ClassDataArchive.Plan): List<String> = buildList {
        add(javaHome.resolve("bin").resolve("java").toString())
        if (fastStart) addAll(FAST_START_FLAGS)
        // Two collectors on one command line stop the JVM, so the user's choice wins by omission.
        if (serialGc && jvmArgs.none { GC_CHOICE.matches(it) }) add("-XX:+UseSerialGC")
        addAll(archive.flags)
        maxHeap?.let { add("-Xmx$it") }
        add("-Dcoproc.maxFrame=$maxFrameSize")
        systemProperties.forEach { (name, value) -> add("-D$name=$value") }
        addAll(jvmArgs)
        add("-cp")
        add(classpath)
        add(mainClass)
    }

    companion object {
        /**
         * The worker JVM's main class, named by string: the worker sits above this package and may not be
         * imported from here (a test checks that the name matches the class).
         */
        const val WORKER_MAIN_CLASS = "dev.coproc.worker.WorkerMain"

        /** Measured with `demo bench`: each cuts the start of a small JVM without slowing short tasks down. */
        private val FAST_START_FLAGS = listOf(
            "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData",
            "-Xshare:auto",
        )

        private val GC_CHOICE = Regex("-XX:\\+Use\\w+GC")
    }
}
