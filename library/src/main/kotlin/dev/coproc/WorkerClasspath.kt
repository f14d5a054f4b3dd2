package dev.coproc

import dev.coproc.internal.channel.ManifestClassPath
import dev.coproc.internal.channel.WorkerLaunch
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.ConcurrentHashMap
import java.util.jar.JarFile

/**
 * Whether the worker JVMs of one launch can load a class this JVM is about to send them: coproc itself, a task's
 * or a map function's class. A class is loadable there when the jar or directory it was loaded from here is on
 * the workers' classpath (or named by the `Class-Path` of a jar's manifest there), or when one of those jars or
 * directories holds its class file. Checking before the start turns what would be a child's `Could not find or
 * load main class` and an exit code 1 into a [ProcessStartException] that names the class, where it lives, and
 * the fix. A class from a jar nested in another (Spring Boot's) is refused when workers start coproc's worker
 * directly; one whose origin cannot be told (the JDK's) is assumed loadable, as is every class when the workers
 * start through a launcher (`WorkerOptions.mainClass`), which loads classes from where only it knows.
 */
internal class WorkerClasspath(private val launch: WorkerLaunch) {
    private val entries: List<Entry> by lazy { entriesOf(launch) }
    /** The jars that the classpath's jars name in their manifests' `Class-Path`, as the JVM follows them; read only when needed. */
    private val manifestEntries: List<Entry> by lazy {
        ManifestClassPath.of(entries.filter { !it.wildcard }.map { it.path }).map { Entry(it, wildcard = false) }
    }
    private val loadable = ConcurrentHashMap<Class<*>, Boolean>()

    /** @throws ProcessStartException when the workers could not load [type] ([what]: "coproc", "the task class"...) */
    fun check(type: Class<*>, what: String) {
        // A launcher of the user's (or Boot's) loads classes from where only it knows.
        if (launch.mainClass != WorkerLaunch.WORKER_MAIN_CLASS || loadable.containsKey(type)) return
        // A lambda's class has no class file anywhere: its codec refuses it by what it is, which says more.
        if (type.isSynthetic || type.isHidden) return
        if (isNested(type)) {
            throw ProcessStartException(
                "the worker JVM could not load $what: ${type.name} comes from a jar nested in another " +
                    "(${type.protectionDomain.codeSource.location}), which only its launcher's class loader reads, " +
                    "and workers start coproc's worker directly. For a Spring Boot jar, make it the first classpath " +
                    "entry (workers then start through Boot's PropertiesLauncher), or name a launcher with " +
                    "WorkerOptions.mainClass(...)",
            )
        }
        val location = locationOf(type)
        // The fast answer: its own jar or directory is there. Else its class file may be, in another jar (a
        // repackaged copy) or in a jar that a manifest's Class-Path names (a thin jar beside its lib/ folder):
        // those are looked for once, as they open the classpath's jars.
        if (location != null && !canLoad(type, location)) {
            throw ProcessStartException(
                "the worker JVM could not load $what: ${type.name} comes from $location, which the workers' classpath " +
                    "does not hold (${shorten(launch.classpath)}). Workers start from java.class.path unless " +
                    "WorkerOptions.classpath(...) names another: under `mvn exec:java`, or a launcher that loads the " +
                    "program itself, give the program's classpath there",
            )
        }
        loadable[type] = true
    }

    private fun canLoad(type: Class<*>, location: Path): Boolean =
        entries.any { it.holds(location) } || entries.any { it.contains(classFile(type)) } ||
            manifestEntries.any { it.holds(location) } || manifestEntries.any { it.contains(classFile(type)) }

    /** One classpath entry: a jar, a directory, or every jar of a directory (an entry that ends in a star). */
    private class Entry(val path: Path, val wildcard: Boolean) {
        fun holds(location: Path): Boolean =
            if (wildcard) location.parent == path && location.fileName.toString().endsWith(".jar") else location == path

        /** Whether the class file [name] is in it. */
        fun contains(name: String): Boolean = when {
            wildcard -> jarsIn(path).any { jarContains(it, name) }
            Files.isDirectory(path) -> Files.isRegularFile(path.resolve(name))
            else -> jarContains(path, name)
        }

        private fun jarsIn(directory: Path): List<Path> = runCatching {
            Files.list(directory).use { files -> files.filter { it.fileName.toString().endsWith(".jar") }.toList() }
        }.getOrDefault(emptyList())

        private fun jarContains(jar: Path, name: String): Boolean = runCatching { JarFile(jar.toFile()).use { it.getEntry(name) != null } }.getOrDefault(false)
    }

    private companion object {
        /** coproc's own classes: the workers must load its worker runtime. */
        val COPROC: Class<*> = WorkerLaunch::class.java

        /** Whether [type] comes from a jar inside a jar (Spring Boot's `jar:nested:` URLs), which no plain JVM reads. */
        fun isNested(type: Class<*>): Boolean {
            val url = runCatching { type.protectionDomain?.codeSource?.location }.getOrNull() ?: return false
            return url.protocol == "jar" && url.path.startsWith("nested:")
        }

        fun entriesOf(launch: WorkerLaunch): List<Entry> {
            val base = (launch.workingDirectory ?: Path.of("")).toAbsolutePath()
            return launch.classpath.split(File.pathSeparator).filter { it.isNotEmpty() }.map { raw ->
                val wildcard = raw == "*" || raw.endsWith(File.separator + "*")
                val path = if (wildcard) raw.removeSuffix("*").ifEmpty { "." } else raw
                Entry(base.resolve(path).normalize(), wildcard)
            }
        }

        /** Where [type] was loaded from here: a jar or a class directory; null when that cannot be told. */
        fun locationOf(type: Class<*>): Path? = runCatching {
            val url = type.protectionDomain?.codeSource?.location ?: return null
            if (url.protocol != "file") return null
            Path.of(url.toURI()).toAbsolutePath().normalize()
        }.getOrNull()

        fun classFile(type: Class<*>): String = type.name.replace('.', '/') + ".class"

        fun shorten(classpath: String): String = if (classpath.length <= 300) classpath else classpath.take(300) + "..."
    }

    /** Checks coproc itself: without it no worker starts at all. */
    fun checkCoproc() = check(COPROC, "coproc")
}
