package dev.coproc

import java.io.File
import java.net.URLClassLoader
import java.nio.file.Path

/**
 * The classpath a worker needs to load what this program loads: `java.class.path`, plus the entries of the
 * class loaders the program's classes come from when those hold more. Under `mvn exec:java`, an IDE's or a test
 * runner's launcher, `java.class.path` is the launcher's own (Maven's boot jar), and the program's classes and
 * libraries are the URLs of a [URLClassLoader] it made: a worker started from `java.class.path` alone could load
 * neither coproc nor the tasks.
 */
internal object ProgramClasspath {
    fun current(): String {
        // Absolute, so that workers find them from another working directory (`java -jar app.jar` gives "app.jar").
        val jvmEntries = System.getProperty("java.class.path").orEmpty().split(File.pathSeparator)
            .filter { it.isNotEmpty() }
            .map { runCatching { Path.of(it).toAbsolutePath().toString() }.getOrDefault(it) }
        val known = jvmEntries.mapTo(HashSet()) { normalized(it) }
        val extra = LinkedHashSet<String>()
        for (loader in loaders()) {
            // Spring Boot's loader: the worker's own Boot launcher rebuilds it (see WorkerMainClass).
            if (WorkerMainClass.underBootLoader(loader)) continue
            for (url in (loader as? URLClassLoader)?.urLs.orEmpty()) {
                if (url.protocol != "file") continue
                val entry = runCatching { Path.of(url.toURI()).toString() }.getOrNull() ?: continue
                if (normalized(entry) !in known) extra += entry
            }
        }
        return (extra + jvmEntries).joinToString(File.pathSeparator)
    }

    /** The context class loader's chain, then coproc's own, up to the JVM's application loader (whose is `java.class.path`). */
    private fun loaders(): List<ClassLoader> {
        val system = ClassLoader.getSystemClassLoader()
        val chain = mutableListOf<ClassLoader>()
        for (start in listOfNotNull(Thread.currentThread().contextClassLoader, ProgramClasspath::class.java.classLoader)) {
            var loader: ClassLoader? = start
            while (loader != null && loader != system && loader !in chain) {
                chain += loader
                loader = loader.parent
            }
        }
        return chain
    }

    private fun normalized(entry: String): String = runCatching { Path.of(entry).toAbsolutePath().normalize().toString() }.getOrDefault(entry)
}
