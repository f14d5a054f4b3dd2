package dev.coproc.internal

import dev.coproc.WorkerOptions
import java.nio.file.FileAlreadyExistsException
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.nio.file.attribute.PosixFilePermissions
import java.security.MessageDigest
import java.time.Duration
import java.time.Instant
import org.slf4j.LoggerFactory

/**
 * A dynamic AppCDS archive of the classes a worker loads, one per worker configuration: it more than halves
 * a worker's start (see `demo bench`). The first worker of a configuration records the archive as it exits;
 * the next ones map it.
 *
 * CDS accepts only jar files on the classpath (a non-empty directory makes the JVM refuse to start when
 * dumping), so a classpath with directories (an IDE or `mvn test` run) goes without. A stale or mismatched
 * archive is ignored by the JVM, which then starts normally.
 */
internal object ClassDataArchive {
    private val log = LoggerFactory.getLogger(ClassDataArchive::class.java)
    private val STALE_LOCK = Duration.ofMinutes(10)
    private val SILENT = listOf("-Xlog:cds=off", "-Xlog:cds+dynamic=off")

    /** What to do for one worker start: extra JVM flags and, when recording, what to do once it exited. */
    class Plan(val flags: List<String>, val recording: Path?, private val target: Path?, private val lock: Path?) {
        /** Publishes a recorded archive (atomically, so no worker maps a half-written one) and releases the lock. */
        fun finish(exitedNormally: Boolean) {
            if (recording == null || target == null || lock == null) return
            try {
                if (exitedNormally && Files.size(recording) > 0) {
                    Files.move(recording, target, StandardCopyOption.ATOMIC_MOVE)
                } else {
                    Files.deleteIfExists(recording)
                }
            } catch (e: Exception) {
                log.debug("could not publish CDS archive {}: {}", target, e.message)
                runCatching { Files.deleteIfExists(recording) }
            } finally {
                runCatching { Files.deleteIfExists(lock) }
            }
        }
    }

    private val NONE = Plan(emptyList(), null, null, null)

    /**
     * Set for the worker that records an archive: it loads what common tasks need before its first one (see
     * `WorkerMain`), so that the archive holds it, not only what that worker's own tasks happened to load.
     */
    const val TRAINING = "coproc.cdsTraining"

    fun plan(options: WorkerOptions): Plan {
        if (!options.classDataSharing) return NONE
        val entries = options.classpath.split(java.io.File.pathSeparatorChar).filter { it.isNotEmpty() }.map { Path.of(it) }
        if (entries.isEmpty() || entries.any { !Files.isRegularFile(it) }) return NONE
        return try {
            val directory = options.cacheDirectory.resolve("cds")
            createPrivateDirectories(directory)
            val key = key(options, entries)
            val archive = directory.resolve("$key.jsa")
            if (Files.isRegularFile(archive)) return Plan(listOf("-XX:SharedArchiveFile=$archive") + SILENT, null, null, null)
            val lock = directory.resolve("$key.lock")
            if (!claim(lock)) return NONE
            val recording = directory.resolve("$key.${ProcessHandle.current().pid()}.${System.nanoTime()}.tmp")
            Plan(listOf("-XX:ArchiveClassesAtExit=$recording", "-D$TRAINING=true") + SILENT, recording, archive, lock)
        } catch (e: Exception) {
            log.debug("class data sharing off for this worker: {}", e.message)
            NONE
        }
    }

    /** One recorder per configuration; a lock left by a crashed recorder expires. */
    private fun claim(lock: Path): Boolean {
        try {
            Files.createFile(lock)
            return true
        } catch (e: FileAlreadyExistsException) {
            val age = runCatching { Duration.between(Files.getLastModifiedTime(lock).toInstant(), Instant.now()) }.getOrNull()
            if (age != null && age > STALE_LOCK) {
                Files.deleteIfExists(lock)
                return runCatching { Files.createFile(lock) }.isSuccess
            }
            return false
        }
    }

    /** Everything an archive depends on: the JVM, its flags and every jar (path, size, modification time). */
    private fun key(options: WorkerOptions, jars: List<Path>): String {
        val digest = MessageDigest.getInstance("SHA-256")
        fun add(text: String) = digest.update((text + "\u0000").toByteArray())
        add(options.javaHome.toString())
        add(System.getProperty("java.vm.version"))
        add(options.fastStart.toString())
        add(options.maxHeap ?: "")
        options.jvmArgs.forEach(::add)
        for (jar in jars) {
            add(jar.toAbsolutePath().toString())
            add(Files.size(jar).toString())
            add(Files.getLastModifiedTime(jar).toMillis().toString())
        }
        return digest.digest().take(12).joinToString("") { "%02x".format(it) }
    }

    private fun createPrivateDirectories(directory: Path) {
        if (Files.isDirectory(directory)) return
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
    }
}
