package dev.coproc.internal.channel

import java.io.IOException
import java.nio.file.Files
import java.nio.file.Path
import java.util.jar.Attributes
import java.util.jar.JarFile

/**
 * What jars' manifests say: the entries that jars add to a classpath through their `Class-Path` (a thin jar
 * beside its `lib/` folder), followed as the JVM follows them: each relative to its jar's directory, transitively.
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

    private fun classPathOf(jar: Path): List<String> =
        mainAttributes(jar)?.getValue("Class-Path")?.split(' ')?.filter { it.isNotEmpty() }.orEmpty()

    /** The main attributes of [jar]'s manifest; null when it has none or cannot be read as a jar. */
    fun mainAttributes(jar: Path): Attributes? = try {
        JarFile(jar.toFile(), false).use { it.manifest?.mainAttributes }
    } catch (e: IOException) {
        null
    } catch (e: SecurityException) {
        null
    }
}
