package dev.coproc.internal.channel

import java.io.IOException
import java.nio.file.Files
import java.nio.file.Path
import java.util.jar.JarFile

/**
 * The entries that jars add to a classpath through their manifests' `Class-Path` (a thin jar beside its `lib/`
 * folder), followed as the JVM follows them: each relative to its jar's directory, transitively.
 */
internal object ManifestClassPath {
    /** More entries than any real application has: a loop or a hostile jar stops there. */
    private const val MAX_ENTRIES = 10_000

    /** What the jars among [entries] add, in order, without [entries] themselves. */
    fun of(entries: List<Path>): List<Path> {
        val seen = entries.toHashSet()
        val found = mutableListOf<Path>()
        val pending = ArrayDeque(entries.filter { Files.isRegularFile(it) })
        while (pending.isNotEmpty() && found.size < MAX_ENTRIES) {
            val jar = pending.removeFirst()
            for (name in classPathOf(jar)) {
                val path = runCatching { Path.of(jar.toAbsolutePath().parent.toUri().resolve(name)).normalize() }.getOrNull() ?: continue
                if (!seen.add(path)) continue
                found.add(path)
                if (Files.isRegularFile(path)) pending.addLast(path)
            }
        }
        return found
    }

    private fun classPathOf(jar: Path): List<String> = try {
        JarFile(jar.toFile(), false).use { file ->
            file.manifest?.mainAttributes?.getValue("Class-Path")?.split(' ')?.filter { it.isNotEmpty() }.orEmpty()
        }
    } catch (e: IOException) {
        emptyList()
    } catch (e: SecurityException) {
        emptyList()
    }
}
