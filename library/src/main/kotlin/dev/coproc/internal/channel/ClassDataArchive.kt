package dev.coproc.internal.channel

import dev.coproc.internal.os.Pids
import java.nio.file.FileAlreadyExistsException
import java.nio.file.Files
import java.nio.file.LinkOption
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.nio.file.attribute.FileTime
import java.nio.file.attribute.PosixFilePermissions
import java.security.MessageDigest
import java.time.Duration
import java.time.Instant
import org.slf4j.LoggerFactory

/**
 * A dynamic AppCDS archive of the classes a worker loads, one per worker configuration: it more than halves
 * a worker's start (see `demo bench`). The first worker of a configuration records the archive as it ends ([record]);
 * the next ones map it.
 *
 * CDS accepts only jar files on the classpath (a non-empty directory makes the JVM refuse to start when
 * dumping), so a classpath with directories (an IDE or `mvn test` run) goes without. A stale or mismatched
 * archive is ignored by the JVM, which then starts normally.
 *
 * A JVM maps an archive as trusted class data, so one that another local user could have written or could swap
 * is never used. The cache directory and `cds` are created 0700, archives and locks 0600. Found ones count
 * only when every directory above the cache directory is this user's or root's and not writable by group or
 * others (unless sticky, as `/tmp`), the cache directory and `cds` are this user's (made 0700 again, with a
 * warning, if they were opened to others), and the archive is a regular file of this user's that nobody else
 * can write. An archive that fails is not mapped (a new one is recorded in its place); a directory that fails
 * turns class data sharing off for that cache, with a warning naming it: workers start, only slower.
 */
internal object ClassDataArchive {
    private val log = LoggerFactory.getLogger(ClassDataArchive::class.java)
    private val STALE_LOCK = Duration.ofMinutes(10)
    private val USE_RESOLUTION = Duration.ofHours(1)
    private val UNUSED_FOR = Duration.ofDays(7)
    /** Archives kept at most: a service with more worker configurations than this records some again. */
    private const val KEPT = 16
    /** What recorders that died leave: their recording, its partial dump, the JDK's own partial file. */
    private val LEFTOVERS = listOf(".tmp", ".partial", ".temp")
    private val SILENT = listOf("-Xlog:cds=off", "-Xlog:cds+dynamic=off")

    /** What to do for one worker start: extra JVM flags and, when recording, what to do once it exited. */
    class Plan(val flags: List<String>, val recording: Path?, private val target: Path?, private val lock: Path?) {
        /**
         * Publishes what the worker recorded (atomically, so no worker maps a half-written one) and releases the
         * lock. The worker moves its archive to [recording] only once written whole ([record]), so an archive
         * there is complete however the worker ended.
         */
        fun finish() {
            val recording = recording ?: return
            val target = target ?: return
            val lock = lock ?: return
            try {
                if (Files.isRegularFile(recording, LinkOption.NOFOLLOW_LINKS) && Files.size(recording) > 0) {
                    // The JVM writes it 0444 less the umask: private like the rest of the cache.
                    Files.setPosixFilePermissions(recording, PRIVATE_FILE)
                    Files.move(recording, target, StandardCopyOption.ATOMIC_MOVE)
                    // Not on this thread, the poller's (a reaped worker's callbacks run there): it may delete
                    // many large files.
                    eviction = Thread(null, { evictUnused(target.parent, keep = target) }, "coproc-cds-eviction").apply { isDaemon = true; start() }
                }
            } catch (e: Exception) {
                log.debug("could not publish CDS archive {}: {}", target, e.message)
            } finally {
                for (leftover in listOf(recording, partial(recording), jdkTemporary(recording), lock)) runCatching { Files.deleteIfExists(leftover) }
            }
        }
    }

    private val NONE = Plan(emptyList(), null, null, null)
    private val PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------")
    private val PRIVATE_FILE = PosixFilePermissions.fromString("rw-------")
    private const val GROUP_OTHER_WRITE = 0b000_010_010
    private const val GROUP_OTHER_ANY = 0b000_111_111
    private const val STICKY = 0b1_000_000_000
    private val uid by lazy { Pids.currentUserId() }

    /** The paths already warned about, so that a pool of workers logs a refused cache once. */
    private val warned = java.util.concurrent.ConcurrentHashMap.newKeySet<Path>()

    /**
     * Set, to the file to record into, for the worker that records an archive: it loads what common tasks need
     * before its first one (see `WorkerMain`), so that the archive holds it, not only what that worker's own
     * tasks happened to load, and [record]s it before it ends.
     */
    const val TRAINING = "coproc.cdsTraining"

    /**
     * In a worker that records its configuration's archive ([TRAINING] set): writes it now, before the worker
     * ends, by exiting or by its SIGTERM. Recorded at the JVM's exit instead (`ArchiveClassesAtExit`), a worker
     * that dies by its SIGTERM, as a terminated one does and a manager always does, would never write one, and
     * its configuration would record again at every start. Costs the recorder about half a second, once.
     */
    fun record() {
        val recording = Path.of(System.getProperty(TRAINING) ?: return)
        // Once: a SIGTERM during the exit's dump must not start a second one over the first one's file.
        if (!recorded.compareAndSet(false, true)) return
        // The JDK prints a line about the dump to System.out, which is the user's: it is kept out, and nothing else is.
        val out = System.out
        System.setOut(object : java.io.PrintStream(out, true) {
            override fun println(x: String?) {
                if (x == null || DUMP_LINES.none { x.startsWith(it) }) super.println(x)
            }
        })
        try {
            // The diagnostic command `jcmd <pid> VM.cds dynamic_dump <file>`, asked from inside; then the whole
            // archive moves to where the parent looks (a worker killed mid-dump leaves only the partial file).
            java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "vmCds",
                arrayOf<Any>(arrayOf("dynamic_dump", partial(recording).toString())), arrayOf(Array<String>::class.java.name),
            )
            Files.move(partial(recording), recording, StandardCopyOption.ATOMIC_MOVE)
        } catch (_: Exception) {
            // No archive: the next worker of this configuration records one.
        } catch (_: LinkageError) {
            // A runtime without java.management (jlink): no archive either.
        } finally {
            System.setOut(out)
        }
    }

    private fun partial(recording: Path): Path = recording.resolveSibling("${recording.fileName}.partial")

    /** Where the JDK writes a dump before it renames it (a dump cut short leaves it). */
    private fun jdkTemporary(recording: Path): Path = recording.resolveSibling("${partial(recording).fileName}.temp")

    private val recorded = java.util.concurrent.atomic.AtomicBoolean()

    /** The latest eviction started, for a test to wait for. */
    @Volatile
    internal var eviction: Thread? = null

    /** How JDK 17 and later JDKs announce a dump made at a diagnostic command's request. */
    private val DUMP_LINES = listOf(" Dynamic dump to file", "The process was attached by jcmd and dumped a dynamic archive")

    fun plan(options: WorkerLaunch): Plan {
        if (!options.classDataSharing) return NONE
        val entries = options.classpath.split(java.io.File.pathSeparatorChar).filter { it.isNotEmpty() }.map { Path.of(it) }
        if (entries.isEmpty() || entries.any { !Files.isRegularFile(it) }) return NONE
        return try {
            val directory = privateDirectory(options.cacheDirectory) ?: return NONE
            val key = key(options, entries)
            val archive = directory.resolve("$key.jsa")
            if (isPrivateFile(archive)) {
                markUsed(archive)
                return Plan(listOf("-XX:SharedArchiveFile=$archive") + SILENT, null, null, null)
            }
            // The JVM refuses to record with a directory on its classpath, one that a jar's manifest adds too; a
            // configuration with an archive was checked when it was recorded.
            if (ManifestClassPath.of(entries).any { !Files.isRegularFile(it) }) return NONE
            // Nor will it start at all, asked to record with an agent (a profiler, a debugger, a monitoring
            // agent in JAVA_TOOL_OPTIONS): such workers start without an archive.
            if (hasAgent(options)) return NONE
            // Recording extends the JDK's own archive, without which the recording JVM stops at start (a JDK
            // made by jlink without one, or a worker told -Xshare:off).
            if (!hasBaseArchive(options)) return NONE
            val lock = directory.resolve("$key.lock")
            if (!claim(lock)) return NONE
            val recording = directory.resolve("$key.${ProcessHandle.current().pid()}.${System.nanoTime()}.tmp")
            Plan(listOf("-XX:+RecordDynamicDumpInfo", "-D$TRAINING=$recording") + SILENT, recording, archive, lock)
        } catch (e: Exception) {
            log.debug("class data sharing off for this worker: {}", e.message)
            NONE
        }
    }

    /** True when the worker's JVM would load an agent: from its flags, or from the options the launcher reads. */
    private fun hasAgent(options: WorkerLaunch): Boolean = launchFlags(options).any { flag -> AGENT_FLAGS.any { flag.startsWith(it) } }

    /** Whether the worker's JVM maps the JDK's base archive, which a recording extends. */
    private fun hasBaseArchive(options: WorkerLaunch): Boolean {
        val server = options.javaHome.resolve("lib").resolve("server")
        // Both: a heap over 32 GB maps the second.
        if (!Files.isRegularFile(server.resolve("classes.jsa")) || !Files.isRegularFile(server.resolve("classes_nocoops.jsa"))) return false
        return launchFlags(options).none { flag -> flag == "-Xshare:off" || flag.startsWith("-XX:SharedArchiveFile") || flag == "-XX:-UseSharedSpaces" }
    }

    /** The worker's own flags and those its JVM reads from the environment. */
    private fun launchFlags(options: WorkerLaunch): List<String> {
        val environment = options.environment ?: System.getenv()
        return options.jvmArgs + AGENT_VARIABLES.mapNotNull { environment[it] }.flatMap { it.split(' ', '\t', '\n') }
    }

    private val AGENT_FLAGS = listOf("-javaagent:", "-agentlib:", "-agentpath:", "-Xrun")
    private val AGENT_VARIABLES = listOf("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")

    /** One recorder per configuration; a lock left by a crashed recorder expires. */
    private fun claim(lock: Path): Boolean {
        try {
            Files.createFile(lock, PosixFilePermissions.asFileAttribute(PRIVATE_FILE))
            return true
        } catch (e: FileAlreadyExistsException) {
            val age = runCatching { Duration.between(Files.getLastModifiedTime(lock).toInstant(), Instant.now()) }.getOrNull()
            if (age != null && age > STALE_LOCK) {
                Files.deleteIfExists(lock)
                return runCatching { Files.createFile(lock, PosixFilePermissions.asFileAttribute(PRIVATE_FILE)) }.isSuccess
            }
            return false
        }
    }

    /**
     * An archive's modification time is when a worker last mapped it, give or take [USE_RESOLUTION]: the
     * eviction's measure of use, kept without a write per worker start.
     */
    private fun markUsed(archive: Path) {
        runCatching {
            val now = Instant.now()
            if (Duration.between(Files.getLastModifiedTime(archive).toInstant(), now) > USE_RESOLUTION) {
                Files.setLastModifiedTime(archive, FileTime.from(now))
            }
        }
    }

    /**
     * Keeps the cache from growing with every build: each rebuilt jar (a new modification time) keys a new
     * archive of about 10 MB, and the old one is never mapped again. After a new archive is published, the ones
     * not mapped for [UNUSED_FOR] go, and of the rest only the [KEPT] most recently mapped stay; recordings left
     * by a recorder that died go once their lock would have expired. A configuration whose archive went records
     * a new one at its next start.
     */
    internal fun evictUnused(directory: Path, keep: Path) {
        runCatching {
            val now = Instant.now()
            val files = Files.list(directory).use { entries -> entries.filter { Files.isRegularFile(it, LinkOption.NOFOLLOW_LINKS) }.toList() }
            fun age(file: Path) = Duration.between(Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant(), now)
            val archives = files.filter { it.fileName.toString().endsWith(".jsa") && it != keep }
                .map { it to age(it) }
                .sortedBy { (_, age) -> age }
            archives.forEachIndexed { index, (archive, age) ->
                if (age > UNUSED_FOR || index >= KEPT - 1) Files.deleteIfExists(archive)
            }
            files.filter { it.fileName.toString().let { name -> LEFTOVERS.any(name::endsWith) } && age(it) > STALE_LOCK }
                .forEach { Files.deleteIfExists(it) }
        }.onFailure { log.debug("could not evict unused CDS archives in {}: {}", directory, it.message) }
    }

    /** Everything an archive depends on: the JVM, its flags and every jar (path, size, modification time). */
    private fun key(options: WorkerLaunch, jars: List<Path>): String {
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

    /**
     * `cds` under [cacheDirectory], created 0700 with whatever it lacks, or null when another user could reach
     * into it: through a directory above the cache that is not this user's or root's, or that others may write
     * to (they could rename the cache away and put their own in its place), or a cache directory or `cds` that
     * is not this user's. Those two are coproc's own: made 0700 again when this user's but open to others.
     */
    private fun privateDirectory(cacheDirectory: Path): Path? {
        val cache = cacheDirectory.toAbsolutePath().normalize()
        unsafeAncestor(cache)?.let { return refuse(cache, it) }
        Files.createDirectories(cache, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY))
        // Through a symbolic link, the directories that hold the real one count too.
        val real = cache.toRealPath()
        if (real != cache) unsafeAncestor(real)?.let { return refuse(cache, it) }
        ownDirectory(real)?.let { return refuse(cache, it) }
        val cds = real.resolve("cds")
        try {
            Files.createDirectory(cds, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY))
        } catch (_: FileAlreadyExistsException) {
            // Checked below, as one found.
        }
        ownDirectory(cds)?.let { return refuse(cds, it) }
        return cds
    }

    /**
     * Why a directory above [path] (up to `/`) is unsafe, or null: each must be this user's or root's, and not
     * writable by group or others unless sticky (as `/tmp`, where nobody renames another's entries).
     */
    private fun unsafeAncestor(path: Path): String? {
        var directory = path.parent
        while (directory != null) {
            if (Files.exists(directory)) {
                val (owner, mode) = ownerAndMode(directory)
                if (owner != uid && owner != 0) return "$directory belongs to another user (uid $owner)"
                if (mode and GROUP_OTHER_WRITE != 0 && mode and STICKY == 0) {
                    return "$directory is writable by group or others (mode ${Integer.toOctalString(mode and 0xfff)})"
                }
            }
            directory = directory.parent
        }
        return null
    }

    /** Why [directory], one of coproc's own, is unsafe, or null: it must be this user's, and is made 0700 if open. */
    private fun ownDirectory(directory: Path): String? {
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) return "$directory is not a directory"
        val (owner, mode) = ownerAndMode(directory, LinkOption.NOFOLLOW_LINKS)
        if (owner != uid) return "$directory belongs to another user (uid $owner)"
        if (mode and GROUP_OTHER_ANY != 0) tighten(directory, mode)
        return null
    }

    /** An archive this JVM may hand to a worker: a regular file (not a link) of this user's that nobody else can write. */
    private fun isPrivateFile(archive: Path): Boolean {
        if (!Files.isRegularFile(archive, LinkOption.NOFOLLOW_LINKS)) return false
        val (owner, mode) = ownerAndMode(archive, LinkOption.NOFOLLOW_LINKS)
        if (owner == uid && mode and GROUP_OTHER_WRITE == 0) return true
        warnOnce(archive, "class data archive $archive is not used: it is not this user's (uid $owner) or others may write to it (mode ${Integer.toOctalString(mode and 0xfff)}); a new one is recorded in its place")
        return false
    }

    private fun tighten(directory: Path, mode: Int) {
        Files.setPosixFilePermissions(directory, PRIVATE_DIRECTORY)
        warnOnce(directory, "cache directory $directory was open to others (mode ${Integer.toOctalString(mode and 0xfff)}): made 0700")
    }

    private fun refuse(path: Path, reason: String): Path? {
        warnOnce(path, "class data sharing off for workers caching in $path: $reason (fix it or choose another cacheDirectory)")
        return null
    }

    private fun warnOnce(path: Path, message: String) {
        if (warned.add(path)) log.warn(message) else log.debug(message)
    }

    private fun ownerAndMode(path: Path, vararg options: LinkOption): Pair<Int, Int> {
        val attributes = Files.readAttributes(path, "unix:uid,mode", *options)
        return attributes.getValue("uid") as Int to attributes.getValue("mode") as Int
    }
}
