package dev.coproc

import dev.coproc.internal.channel.ManifestClassPath
import dev.coproc.internal.channel.WorkerLaunch
import java.io.File
import java.nio.file.Files
import java.nio.file.Path

/**
 * The class a worker JVM starts with, when `WorkerOptions.mainClass` does not name one: coproc's worker, unless the
 * classpath starts with a Spring Boot executable jar (as `java -jar app.jar` makes it, an agent's jar after it).
 * Such a jar holds coproc and the program's classes as nested jars (`BOOT-INF/lib`, `BOOT-INF/classes`) that only
 * Boot's own class loader reads, so the worker starts through Boot's `PropertiesLauncher`, which sets that loader
 * up and then runs the class that `loader.main` names.
 */
internal object WorkerMainClass {
    /** Boot 3.2 and later, then Boot 1 to 3.1: their launchers' package. */
    private val BOOT_LOADER_PACKAGES = listOf("org.springframework.boot.loader.launch.", "org.springframework.boot.loader.")
    private val BOOT_MAIN_CLASSES = setOf("JarLauncher", "PropertiesLauncher")
    /** Boot's launchers that run the application's `Start-Class`, whatever `loader.main` says. */
    private val BOOT_APPLICATION_LAUNCHERS = setOf("JarLauncher", "WarLauncher")

    /** The system property that tells Boot's `PropertiesLauncher` which main class to run. */
    const val BOOT_LOADER_MAIN = "loader.main"

    /**
     * What this JVM's own `PropertiesLauncher` was told beside its main class: where more classes are, and where
     * relative paths start. Workers get them too, so that they see the classes this program sees.
     */
    val BOOT_INHERITED_PROPERTIES = listOf("loader.path", "loader.home")

    fun forClasspath(classpath: String, workingDirectory: Path?): String {
        val first = classpath.split(File.pathSeparator).firstOrNull { it.isNotEmpty() } ?: return WorkerLaunch.WORKER_MAIN_CLASS
        if (!first.endsWith(".jar")) return WorkerLaunch.WORKER_MAIN_CLASS
        // The worker resolves a relative entry from its own working directory: so does this.
        val jar = (workingDirectory ?: Path.of("")).toAbsolutePath().resolve(first)
        if (!Files.isRegularFile(jar)) return WorkerLaunch.WORKER_MAIN_CLASS
        val attributes = ManifestClassPath.mainAttributes(jar) ?: return WorkerLaunch.WORKER_MAIN_CLASS
        // A Boot jar names its libraries' folder; a shaded jar that happens to contain Boot's loader does not.
        if (attributes.getValue("Spring-Boot-Lib") == null) return WorkerLaunch.WORKER_MAIN_CLASS
        val main = attributes.getValue("Main-Class").orEmpty()
        val loaderPackage = BOOT_LOADER_PACKAGES.firstOrNull { main.startsWith(it) && main.removePrefix(it) in BOOT_MAIN_CLASSES }
        return if (loaderPackage != null) loaderPackage + "PropertiesLauncher" else WorkerLaunch.WORKER_MAIN_CLASS
    }

    /** Whether [mainClass] is Boot's launcher, which needs [BOOT_LOADER_MAIN] to run coproc's worker. */
    fun isBootLauncher(mainClass: String): Boolean = BOOT_LOADER_PACKAGES.any { mainClass == it + "PropertiesLauncher" }

    /**
     * Why [mainClass] cannot start a worker, or null: Boot's other launchers run the application's `Start-Class`, so
     * every worker would start the whole application, and none would ever answer.
     */
    fun refusal(mainClass: String): String? {
        val loaderPackage = BOOT_LOADER_PACKAGES.firstOrNull { mainClass.startsWith(it) } ?: return null
        if (mainClass.removePrefix(loaderPackage) in BOOT_APPLICATION_LAUNCHERS) {
            return "$mainClass would start the application itself in every worker, not coproc's worker: " +
                "name ${loaderPackage}PropertiesLauncher, which runs the class that -D$BOOT_LOADER_MAIN names"
        }
        return null
    }

    /** Whether this program runs under Boot's launcher: its class loader's entries are then Boot's to rebuild. */
    fun underBootLoader(loader: ClassLoader): Boolean = BOOT_LOADER_PACKAGES.any { loader.javaClass.name.startsWith(it) }
}
