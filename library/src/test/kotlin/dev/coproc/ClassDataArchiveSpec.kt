package dev.coproc

import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldEndWith
import io.kotest.matchers.string.shouldNotContain
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.FileTime
import java.nio.file.attribute.PosixFilePermissions
import java.time.Duration
import java.time.Instant
import io.kotest.matchers.comparables.shouldBeLessThan
import dev.coproc.internal.channel.ClassDataArchive
import java.util.jar.Attributes
import java.util.jar.JarEntry
import java.util.jar.JarOutputStream
import java.util.jar.Manifest
import kotlinx.coroutines.future.await

/** Packs the class directories of this test classpath into one jar: CDS accepts only jars. */
private fun jarOnlyClasspath(dir: Path): String {
    val entries = System.getProperty("java.class.path").split(File.pathSeparatorChar)
    val jars = entries.map { Path.of(it) }.filter { Files.isDirectory(it) }.mapIndexed { index, root ->
        val jar = dir.resolve("classes-$index.jar")
        JarOutputStream(Files.newOutputStream(jar)).use { out ->
            Files.walk(root).use { files ->
                files.filter { Files.isRegularFile(it) }.forEach { file ->
                    out.putNextEntry(JarEntry(root.relativize(file).toString().replace(File.separatorChar, '/')))
                    Files.copy(file, out)
                    out.closeEntry()
                }
            }
        }
        jar.toString()
    }
    return (jars + entries.filter { it.endsWith(".jar") }).joinToString(File.pathSeparator)
}

private fun mode(path: Path): String = Integer.toOctalString(Files.getAttribute(path, "unix:mode") as Int and 0x1ff)

class ClassDataArchiveSpec : FunSpec({
    extension(Hygiene)
    timeout = 120_000

    test("the first worker records a class data archive, the next ones map it; unused archives are evicted") {
        val dir = tempdir().toPath()
        val cache = dir.resolve("cache")
        val options = WorkerOptions { classpath(jarOnlyClasspath(dir)); cacheDirectory(cache) }
        // What earlier builds left: archives of jars since rebuilt, used 1 to 20 hours ago, two of them 8 days
        // ago, and a recording of a recorder that died an hour ago.
        val cds = Files.createDirectories(cache.resolve("cds"))
        val now = Instant.now()
        for (hours in 1..20) {
            val old = cds.resolve("old-$hours.jsa")
            Files.writeString(old, "x")
            Files.setLastModifiedTime(old, FileTime.from(now.minus(Duration.ofHours(if (hours > 18) 8L * 24 else hours.toLong()))))
        }
        cds.resolve("dead.tmp").also { Files.writeString(it, "x"); Files.setLastModifiedTime(it, FileTime.from(now.minus(Duration.ofHours(1)))) }

        val first = Process(Square(4), options = options).also { it.start() }
        first.await() shouldBe 16
        first.join()
        // Published as the worker was reaped; the eviction runs beside.
        ClassDataArchive.eviction!!.join(30_000)
        val archives = Files.list(cds).use { it.toList() }
        archives.filter { it.toString().endsWith(".lock") || it.toString().endsWith(".tmp") }.shouldBeEmpty()
        // The new archive and the 15 most recently used of the old ones stay.
        val archive = archives.single { it.toString().endsWith(".jsa") && !it.fileName.toString().startsWith("old-") }.toString()
        archives.map { it.fileName.toString() }.filter { it.startsWith("old-") }.toSet() shouldBe (1..15).map { "old-$it.jsa" }.toSet()
        mode(cache) shouldBe "700"

        // Mapping an archive marks it used.
        Files.setLastModifiedTime(Path.of(archive), FileTime.from(now.minus(Duration.ofDays(2))))
        val second = Process(RunForever(), options = options).also { it.start() }
        second.running.await()
        val pid = second.pid!!
        String(Files.readAllBytes(Path.of("/proc/$pid/cmdline"))).replace('\u0000', ' ') shouldContain "-XX:SharedArchiveFile=$archive"
        Files.readString(Path.of("/proc/$pid/maps")) shouldContain archive
        Duration.between(Files.getLastModifiedTime(Path.of(archive)).toInstant(), Instant.now()) shouldBeLessThan Duration.ofMinutes(1)
        second.kill()
        second.join()
    }

    test("a worker ended by SIGTERM, as every manager is, records the archive too: the next start maps it") {
        val dir = tempdir().toPath()
        val cache = dir.resolve("cache")
        val options = WorkerOptions { classpath(jarOnlyClasspath(dir)); cacheDirectory(cache) }
        val recorder = Process(RunForever(), options = options).also { it.start() }
        recorder.running.await()
        recorder.terminate()
        recorder.join()
        recorder.exitCode shouldBe -15
        val archives = Files.list(cache.resolve("cds")).use { it.toList() }
        val archive = archives.single().toString()
        archive shouldEndWith ".jsa"

        val next = Process(RunForever(), options = options).also { it.start() }
        next.running.await()
        Files.readString(Path.of("/proc/${next.pid!!}/maps")) shouldContain archive
        next.kill()
        next.join()
    }

    test("a recording worker's output carries its task's lines and nothing of the dump") {
        val dir = tempdir().toPath()
        val options = WorkerOptions { classpath(jarOnlyClasspath(dir)); cacheDirectory(dir.resolve("cache")); prefixOutput(true) }
        val captured = java.io.ByteArrayOutputStream()
        val original = System.out
        System.setOut(java.io.PrintStream(captured, true))
        try {
            val recorder = Process(Print("the task's line"), name = "recorder", options = options).also { it.start() }
            recorder.await()
            // join returns once the child's output has been copied out.
            recorder.join()
        } finally {
            System.setOut(original)
        }
        Files.list(dir.resolve("cache").resolve("cds")).use { it.toList() }.single().toString() shouldEndWith ".jsa"
        captured.toString() shouldContain "the task's line"
        captured.toString() shouldNotContain "dump"
    }

    test("eviction: archives not mapped for a week go, however few; a live recording and the archive just published stay") {
        val cds = tempdir().toPath()
        val now = Instant.now()
        fun file(name: String, age: Duration) = cds.resolve(name).also { Files.writeString(it, "x"); Files.setLastModifiedTime(it, FileTime.from(now.minus(age))) }
        val recent = file("recent.jsa", Duration.ofDays(6))
        file("stale.jsa", Duration.ofDays(8))
        val published = file("published.jsa", Duration.ofDays(30))
        val recording = file("live.tmp", Duration.ofMinutes(1))
        file("dead.tmp", Duration.ofMinutes(11))
        ClassDataArchive.evictUnused(cds, keep = published)
        Files.list(cds).use { it.toList() }.toSet() shouldBe setOf(recent, published, recording)
    }

    test("a cache open to other users is not used as found: its directories are made 0700 again, an archive others could write is never mapped") {
        val dir = tempdir().toPath()
        val cache = dir.resolve("cache")
        val cds = cache.resolve("cds")
        val options = WorkerOptions { classpath(jarOnlyClasspath(dir)); cacheDirectory(cache) }
        // A genuine archive, recorded as usual...
        Process(Square(2), options = options).also { it.start() }.let { it.await() shouldBe 4; it.join() }
        val archive = Files.list(cds).use { it.toList() }.single { it.toString().endsWith(".jsa") }
        // ...then everything opened to everyone: another local user could have rewritten it or planted their own.
        for (path in listOf(cache, cds)) Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxrwxrwx"))
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-rw-rw-"))

        val next = Process(RunForever(), options = options).also { it.start() }
        try {
            next.running.await()
            val pid = next.pid!!
            String(Files.readAllBytes(Path.of("/proc/$pid/cmdline"))).replace('\u0000', ' ') shouldNotContain "-XX:SharedArchiveFile="
            Files.readString(Path.of("/proc/$pid/maps")) shouldNotContain archive.toString()
        } finally {
            next.kill()
            next.join()
        }
        mode(cache) shouldBe "700"
        mode(cds) shouldBe "700"
        // The next worker that ends normally records a fresh archive in its place, private to this user.
        Process(Square(3), options = options).also { it.start() }.let { it.await() shouldBe 9; it.join() }
        Files.list(cds).use { it.toList() }.map { it.fileName.toString() } shouldBe listOf(archive.fileName.toString())
        mode(archive) shouldBe "600"

        // Under a directory others may write to (not sticky, like /tmp is), they could swap the cache itself:
        // it is not used at all, nor created, and workers start without an archive.
        val open = tempdir().toPath().also { Files.setPosixFilePermissions(it, PosixFilePermissions.fromString("rwxrwxrwx")) }
        val exposed = Process(RunForever(), options = WorkerOptions { classpath(options.classpath); cacheDirectory(open.resolve("cache")) })
        exposed.start()
        try {
            exposed.running.await()
            val cmdline = String(Files.readAllBytes(Path.of("/proc/${exposed.pid!!}/cmdline"))).replace('\u0000', ' ')
            cmdline shouldNotContain "-XX:SharedArchiveFile="
            cmdline shouldNotContain "-XX:+RecordDynamicDumpInfo"
        } finally {
            exposed.kill()
            exposed.join()
        }
        Files.exists(open.resolve("cache")) shouldBe false
    }

    test("a worker with an agent, or told -Xshare:off, starts, without the archive the JVM refuses to record then (flags or JAVA_TOOL_OPTIONS)") {
        val dir = tempdir().toPath()
        val agent = dir.resolve("agent.jar")
        val manifest = Manifest().apply {
            mainAttributes[Attributes.Name.MANIFEST_VERSION] = "1.0"
            mainAttributes[Attributes.Name("Premain-Class")] = NoOpAgent::class.java.name
        }
        JarOutputStream(Files.newOutputStream(agent), manifest).close()
        val classpath = jarOnlyClasspath(dir)
        val cache = dir.resolve("cache")
        val options = WorkerOptions { classpath(classpath); cacheDirectory(cache); jvmArgs("-javaagent:$agent") }
        // Without the fix, the recording worker's JVM exits at once: "Must enable AllowArchivingWithJavaAgent".
        val worker = Process(Square(5), options = options).also { it.start() }
        worker.await() shouldBe 25
        worker.join()
        worker.exitCode shouldBe 0
        Files.list(cache.resolve("cds")).use { it.toList() }.filter { it.toString().endsWith(".jsa") }.shouldBeEmpty()

        // The same agent from the launcher's environment (a monitoring agent's usual place): not recorded either.
        for (variable in listOf("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
            val launch = WorkerOptions { classpath(classpath); cacheDirectory(cache); environment(mapOf(variable to "-Xss2m -javaagent:$agent")) }.launch
            ClassDataArchive.plan(launch).flags.shouldBeEmpty()
        }
        // Nor without the JDK's base archive, which a recording extends: the JVM would stop at start.
        ClassDataArchive.plan(WorkerOptions { classpath(classpath); cacheDirectory(cache); jvmArgs("-Xshare:off") }.launch).flags.shouldBeEmpty()
        Process(Square(6), options = WorkerOptions { classpath(classpath); cacheDirectory(cache); jvmArgs("-Xshare:off") }).also { it.start() }.let {
            it.await() shouldBe 36
            it.join()
        }
        val plain = ClassDataArchive.plan(WorkerOptions { classpath(classpath); cacheDirectory(cache); environment(mapOf("JAVA_TOOL_OPTIONS" to "-Xss2m")) }.launch)
        try {
            plain.flags shouldContain "-XX:+RecordDynamicDumpInfo"
        } finally {
            plain.finish()
        }
    }

    test("a classpath with directories starts workers without an archive") {
        val cache = tempdir().toPath()
        val p = Process(Square(5), options = WorkerOptions { classpath(ClassDirectoriesAsJars.originalClasspath()); cacheDirectory(cache) }).also { it.start() }
        p.await() shouldBe 25
        p.join()
        Files.exists(cache.resolve("cds")) shouldBe false
    }
})
