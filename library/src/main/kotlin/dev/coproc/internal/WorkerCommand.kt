package dev.coproc.internal

import dev.coproc.WorkerOptions
import dev.coproc.worker.WorkerMain

/** The command line of a worker JVM for [options]. */
internal object WorkerCommand {
    /** Measured with `demo bench`: each cuts the start of a small JVM without slowing short tasks down. */
    private val FAST_START_FLAGS = listOf(
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-XX:-UsePerfData",
        "-Xshare:auto",
    )

    fun argv(options: WorkerOptions, archive: ClassDataArchive.Plan): List<String> = buildList {
        add(options.javaHome.resolve("bin").resolve("java").toString())
        if (options.fastStart) addAll(FAST_START_FLAGS)
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
