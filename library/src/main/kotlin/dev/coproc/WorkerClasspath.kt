package dev.coproc

import dev.coproc.internal.channel.WorkerLaunch
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.ConcurrentHashMap
import java.util.jar.JarFile

/**
 * Whether the worker JVMs of one launch can load a class this JVM is about to send them: coproc itself, a task's
 * or a map function's class. A class is loadable there when the jar or directory it was loaded from here is on
 * the workers' classpath, or when one of the classpath's jars or directories holds its class file. Checking before the start turns what would be a child's `Could not find or load main
 * class` and an exit code 1 into a [ProcessStartException] that names the class, where it lives, and the fix.
 * A class whose origin cannot be told (the JDK's, a nested jar's) is assumed loadable.
 */
internal class WorkerClasspath(private val launch: WorkerLaunch) {
    private val entries: List<Entry> by lazy { entriesOf(launch) }
    private val loadable = ConcurrentHashMap<Class<*>, Boolean>()

    /** @throws ProcessStartException when the workers could not load [type] ([what]: "coproc", "the task class"...) */
    fun check(type: Class<*>, what: String) {
        if (loadable.containsKey(type)) return
        val location = locationOf(type)
        // The fast answer: its own jar or directory is there. Else its class file may be, in another jar (a
        // repackaged copy): that is looked for once, as it opens the classpath's jars.
        if (location != null && entries.none { it.holds(location) } && entries.none { it.contains(classFile(type)) }) {
            throw ProcessStartException(
                "the worker JVM could not load $what: ${type.name} comes from $location, which the workers' classpath " +
                    "does not hold (${shorten(launch.classpath)}). Workers start from java.class.path unless " +
                    "WorkerOptions.classpath(...) names another: under `mvn exec:java`, or a launcher that loads the " +
                    "program itself, give the program's classpath there",
            )
        }
        loadable[type] = true
    }

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
