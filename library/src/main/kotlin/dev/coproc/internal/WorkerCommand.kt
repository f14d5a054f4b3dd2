package dev.coproc.internal

import dev.coproc.WorkerOptions
import dev.coproc.worker.WorkerMain

/** The command line of a worker JVM for [options]. */
internal object WorkerCommand {
    /** Measured with `demo bench`: each cuts the start of a small JVM without slowing short tasks down. */
    private val FAST_START_FLAGS = listOf(
        "-XX:TieredStopAtLevel=1",
        "-XX:-UsePerfData",
        "-Xshare:auto",
    )

    private val GC_CHOICE = Regex("-XX:\\+Use\\w+GC")

    fun argv(options: WorkerOptions, archive: ClassDataArchive.Plan): List<String> = buildList {
        add(options.javaHome.resolve("bin").resolve("java").toString())
        if (options.fastStart) addAll(FAST_START_FLAGS)
        // Two collectors on one command line stop the JVM, so the user's choice wins by omission.
        if (options.serialGc && options.jvmArgs.none { GC_CHOICE.matches(it) }) add("-XX:+UseSerialGC")
        addAll(archive.flags)
        options.maxHeap?.let { add("-Xmx$it") }
        add("-Dcoproc.maxFrame=${options.maxFrameSize}")
        options.systemProperties.forEach { (name, value) -> add("-D$name=$value") }
        addAll(options.jvmArgs)
        add("-cp")
        add(options.classpath)
        add(WorkerMain::class.java.name)
    }
}
