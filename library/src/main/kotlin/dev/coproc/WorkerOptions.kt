package dev.coproc

import dev.coproc.internal.channel.WorkerLaunch
import dev.coproc.internal.wire.Frames
import java.nio.file.Path
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration

/**
 * How worker JVMs are started: java and classpath (the running JVM's by default), heap, system properties,
 * extra JVM flags, environment, working directory, output and protocol limits.
 *
 * Kotlin: `WorkerOptions { maxHeap("256m"); systemProperty("mode", "fast") }`.
 * Java: `WorkerOptions.builder().maxHeap("256m").build()`.
 */
public class WorkerOptions private constructor(builder: Builder) {
    /** The JDK whose `bin/java` starts workers. */
    public val javaHome: Path = builder.javaHome
    /**
     * The workers' classpath: by default `java.class.path`, plus the entries of the class loaders this program's
     * classes come from when those hold more (`mvn exec:java`, IDE and test launchers).
     */
    public val classpath: String = builder.classpath
    /**
     * The class the worker JVM runs: coproc's worker, `dev.coproc.worker.WorkerMain`, unless another is set. When
     * the classpath starts with a Spring Boot executable jar, whose nested jars only Boot's class loader reads, it
     * is Boot's `PropertiesLauncher`, and `-Dloader.main=dev.coproc.worker.WorkerMain` tells it what to run (unless
     * [systemProperties] set `loader.main`; this JVM's `loader.path` and `loader.home` pass on too). Another
     * launcher that sets up the class loading, then calls `dev.coproc.worker.WorkerMain.main(args)` in the same
     * process, can be named here; coproc then cannot check before the start that the workers load its classes.
     */
    public val mainClass: String = builder.mainClass ?: WorkerMainClass.forClasspath(classpath, builder.workingDirectory)
    /** `-Xmx`, e.g. `256m`; the JVM's default when null. */
    public val maxHeap: String? = builder.maxHeap
    /** `-D` properties. */
    public val systemProperties: Map<String, String> = builder.systemProperties.toMap()
    /** Extra JVM flags, placed after coproc's own so they can override them. */
    public val jvmArgs: List<String> = builder.jvmArgs.toList()
    /** Start-up flags that cut a small JVM's start time (C1 only, no perf data); on by default. */
    public val fastStart: Boolean = builder.fastStart
    /**
     * Use the serial collector, unless [jvmArgs] choose another. On by default: a worker runs one task at a
     * time, several workers share the machine's cores, and one GC thread reusing a small young generation
     * beat G1 on every pool benchmark here (a map of 1M ints: 50–60 ms against 60–340 ms).
     */
    public val serialGc: Boolean = builder.serialGc
    /** The workers' whole environment; this JVM's when null. */
    public val environment: Map<String, String>? = builder.environment?.toMap()
    /** The workers' working directory; this JVM's when null. */
    public val workingDirectory: Path? = builder.workingDirectory
    /** Prefix each line of a worker's stdout/stderr with `[name pid]`; otherwise it shares this JVM's streams. */
    public val prefixOutput: Boolean = builder.prefixOutput
    /** Start each worker in a new process group. */
    public val newProcessGroup: Boolean = builder.newProcessGroup
    /** The workers' nice value (-20 to 19); this JVM's when null. */
    public val niceness: Int? = builder.niceness
    /** The CPUs the workers may run on; this JVM's when null. */
    public val cpuAffinity: Set<Int>? = builder.cpuAffinity
    /**
     * Map a shared archive of the worker's classes (AppCDS), recorded by the first worker of this
     * configuration into [cacheDirectory]: more than halves a worker's start. Needs a classpath of jar files
     * only; silently off otherwise. A worker that loads an agent (`-javaagent`, `-agentlib`, `-agentpath`, in
     * [jvmArgs] or in `JAVA_TOOL_OPTIONS`) never records one: the JVM would refuse to start. On by default.
     */
    public val classDataSharing: Boolean = builder.classDataSharing
    /**
     * Where coproc keeps per-user caches such as class data archives (0700). Another user must not be able to
     * write to it or to any directory above it (a sticky one such as `/tmp` is fine): otherwise its archives
     * are not used, with a warning; this user's cache directory found open to others is made 0700 again.
     */
    public val cacheDirectory: Path = builder.cacheDirectory
    /** Largest frame accepted in either direction, in bytes. */
    public val maxFrameSize: Int = builder.maxFrameSize
    /**
     * How long a cancelled or terminated worker gets between SIGTERM and SIGKILL. A worker JVM still starting
     * gets its SIGTERM once its handler is in place (its hello), up to 10 seconds later; the grace counts from then.
     */
    @get:JvmSynthetic
    public val terminateGrace: Duration = builder.terminateGrace

    /** [terminateGrace] for Java callers. */
    public fun terminateGrace(): java.time.Duration = terminateGrace.toJavaDuration()

    private val chosenMainClass: String? = builder.mainClass

    private fun launchProperties(): Map<String, String> {
        if (!WorkerMainClass.isBootLauncher(mainClass)) return systemProperties
        val properties = LinkedHashMap<String, String>()
        properties[WorkerMainClass.BOOT_LOADER_MAIN] = WorkerLaunch.WORKER_MAIN_CLASS
        for (name in WorkerMainClass.BOOT_INHERITED_PROPERTIES) System.getProperty(name)?.let { properties[name] = it }
        return properties + systemProperties
    }

    /** A builder holding these options, to derive others. */
    public fun toBuilder(): Builder = Builder(this)

    /**
     * These options as the worker channel starts a JVM from them: every field that shapes the JVM or its process
     * (all but [terminateGrace]). Equal launches start interchangeable workers, so a standby worker started for
     * one serves the other: a new field that shapes the worker belongs in it too.
     */
    @get:JvmSynthetic
    internal val launch: WorkerLaunch = WorkerLaunch(
        javaHome, classpath, mainClass, maxHeap, launchProperties(), jvmArgs, fastStart, serialGc, environment, workingDirectory,
        prefixOutput, newProcessGroup, niceness, cpuAffinity, classDataSharing, cacheDirectory, maxFrameSize,
    )

    /** Builds [WorkerOptions]; every setter returns the builder. */
    public class Builder internal constructor(from: WorkerOptions?) {
        @get:JvmSynthetic @set:JvmSynthetic
        internal var javaHome: Path = from?.javaHome ?: Path.of(System.getProperty("java.home"))
        @get:JvmSynthetic @set:JvmSynthetic
        internal var classpath: String = from?.classpath ?: ProgramClasspath.current()
        /** Only a main class the user chose: one found for the classpath is found again for a new one. */
        @get:JvmSynthetic @set:JvmSynthetic
        internal var mainClass: String? = from?.chosenMainClass
        @get:JvmSynthetic @set:JvmSynthetic
        internal var maxHeap: String? = from?.maxHeap
        @get:JvmSynthetic
        internal val systemProperties: MutableMap<String, String> = from?.systemProperties?.toMutableMap() ?: mutableMapOf()
        @get:JvmSynthetic
        internal val jvmArgs: MutableList<String> = from?.jvmArgs?.toMutableList() ?: mutableListOf()
        @get:JvmSynthetic @set:JvmSynthetic
        internal var fastStart: Boolean = from?.fastStart ?: true
        @get:JvmSynthetic @set:JvmSynthetic
        internal var serialGc: Boolean = from?.serialGc ?: true
        @get:JvmSynthetic @set:JvmSynthetic
        internal var environment: Map<String, String>? = from?.environment
        @get:JvmSynthetic @set:JvmSynthetic
        internal var workingDirectory: Path? = from?.workingDirectory
        @get:JvmSynthetic @set:JvmSynthetic
        internal var prefixOutput: Boolean = from?.prefixOutput ?: false
        @get:JvmSynthetic @set:JvmSynthetic
        internal var niceness: Int? = from?.niceness
        @get:JvmSynthetic @set:JvmSynthetic
        internal var cpuAffinity: Set<Int>? = from?.cpuAffinity
        @get:JvmSynthetic @set:JvmSynthetic
        internal var newProcessGroup: Boolean = from?.newProcessGroup ?: false
        @get:JvmSynthetic @set:JvmSynthetic
        internal var classDataSharing: Boolean = from?.classDataSharing ?: true
        @get:JvmSynthetic @set:JvmSynthetic
        internal var cacheDirectory: Path = from?.cacheDirectory ?: defaultCacheDirectory()
        @get:JvmSynthetic @set:JvmSynthetic
        internal var maxFrameSize: Int = from?.maxFrameSize ?: Frames.DEFAULT_MAX_PAYLOAD
        @get:JvmSynthetic @set:JvmSynthetic
        internal var terminateGrace: Duration = from?.terminateGrace ?: 2.seconds

        /** See [WorkerOptions.javaHome]. */
        public fun javaHome(value: Path): Builder = apply { javaHome = value }
        /** See [WorkerOptions.classpath]. */
        public fun classpath(value: String): Builder = apply { classpath = value }
        /** See [WorkerOptions.mainClass]; null finds it from the classpath again. */
        public fun mainClass(value: String?): Builder = apply {
            require(value == null || isClassName(value)) { "not a Java class name: '$value'" }
            value?.let(WorkerMainClass::refusal)?.let { throw IllegalArgumentException(it) }
            mainClass = value
        }
        /** See [WorkerOptions.maxHeap]. */
        public fun maxHeap(value: String?): Builder = apply { maxHeap = value }
        /** Adds a `-Dname=value` property. */
        public fun systemProperty(name: String, value: String): Builder = apply { systemProperties[name] = value }
        /**
         * Adds JVM flags, each starting with `-` (or `@`, an argument file): the `java` launcher would take
         * anything else, an empty string too, for the class to run, and every worker would fail to start.
         */
        public fun jvmArgs(vararg flags: String): Builder = apply {
            for (flag in flags) {
                require(flag.startsWith("-") || flag.startsWith("@")) { "a JVM flag starts with '-' (or '@' for an argument file): \"$flag\"" }
            }
            jvmArgs += flags
        }
        /** See [WorkerOptions.fastStart]. */
        public fun fastStart(value: Boolean): Builder = apply { fastStart = value }
        /** See [WorkerOptions.serialGc]. */
        public fun serialGc(value: Boolean): Builder = apply { serialGc = value }
        /** See [WorkerOptions.environment]. */
        public fun environment(value: Map<String, String>?): Builder = apply { environment = value }
        /** See [WorkerOptions.workingDirectory]. */
        public fun workingDirectory(value: Path?): Builder = apply { workingDirectory = value }
        /** See [WorkerOptions.prefixOutput]. */
        public fun prefixOutput(value: Boolean): Builder = apply { prefixOutput = value }
        /** See [WorkerOptions.newProcessGroup]. */
        public fun newProcessGroup(value: Boolean): Builder = apply { newProcessGroup = value }

        /** See [WorkerOptions.niceness]; set before the worker JVM starts (lowering it needs privileges). */
        public fun nice(value: Int?): Builder = apply {
            require(value == null || value in -20..19) { "nice values are -20..19, not $value" }
            niceness = value
        }

        /** See [WorkerOptions.cpuAffinity]; set before the worker JVM starts, so every JVM thread inherits it. */
        public fun cpuAffinity(value: Set<Int>?): Builder = apply {
            require(value == null || (value.isNotEmpty() && value.all { it >= 0 })) { "cpus must be a non-empty set of CPU numbers: $value" }
            cpuAffinity = value?.toSortedSet()
        }
        /** See [WorkerOptions.classDataSharing]. */
        public fun classDataSharing(value: Boolean): Builder = apply { classDataSharing = value }
        /** See [WorkerOptions.cacheDirectory]. */
        public fun cacheDirectory(value: Path): Builder = apply { cacheDirectory = value }
        /** See [WorkerOptions.maxFrameSize]. */
        public fun maxFrameSize(bytes: Int): Builder = apply {
            require(bytes >= 1024) { "maxFrameSize must be at least 1024 bytes, not $bytes" }
            maxFrameSize = bytes
        }
        /** See [WorkerOptions.terminateGrace]. */
        @JvmSynthetic
        public fun terminateGrace(value: Duration): Builder = apply { terminateGrace = value }
        /** See [WorkerOptions.terminateGrace]. */
        public fun terminateGrace(value: java.time.Duration): Builder = apply { terminateGrace = value.toKotlinDuration() }
        /** The options. */
        public fun build(): WorkerOptions = WorkerOptions(this)
    }

    public companion object {
        /** The running JVM's java and classpath, fast-start flags, inherited streams. */
        @JvmField
        public val DEFAULT: WorkerOptions = Builder(null).build()

        /** A builder starting from [DEFAULT]. */
        @JvmStatic
        public fun builder(): Builder = Builder(null)
    }
}

/** A binary class name, so that no option can slip a flag into the worker's command line. */
private fun isClassName(name: String): Boolean = name.split('.').all { part ->
    // Identifier parts include "ignorable" control characters, NUL among them: those are refused too.
    part.isNotEmpty() && Character.isJavaIdentifierStart(part[0]) &&
        part.all { Character.isJavaIdentifierPart(it) && !Character.isIdentifierIgnorable(it) }
}

/** `$coproc.cache.dir`, else `$XDG_CACHE_HOME/coproc`, else `~/.cache/coproc`. */
private fun defaultCacheDirectory(): Path {
    System.getProperty("coproc.cache.dir")?.let { return Path.of(it) }
    val xdg = System.getenv("XDG_CACHE_HOME")?.takeIf { it.isNotBlank() }
    return if (xdg != null) Path.of(xdg, "coproc") else Path.of(System.getProperty("user.home"), ".cache", "coproc")
}

/** Builds [WorkerOptions] in Kotlin: `WorkerOptions { maxHeap("64m") }`. */
public fun WorkerOptions(configure: WorkerOptions.Builder.() -> Unit): WorkerOptions =
    WorkerOptions.builder().apply(configure).build()
