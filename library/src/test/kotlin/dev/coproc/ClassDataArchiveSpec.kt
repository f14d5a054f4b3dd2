package dev.coproc

import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.util.jar.JarEntry
import java.util.jar.JarOutputStream
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

class ClassDataArchiveSpec : FunSpec({
    extension(Hygiene)
    timeout = 120_000

    test("the first worker records a class data archive, the next ones map it") {
        val dir = tempdir().toPath()
        val cache = dir.resolve("cache")
        val options = WorkerOptions { classpath(jarOnlyClasspath(dir)); cacheDirectory(cache) }

        val first = Process(Square(4), options = options).also { it.start() }
        first.await() shouldBe 16
        first.join()
        val archives = Files.list(cache.resolve("cds")).use { it.toList() }
        archives.map { it.fileName.toString() }.filter { it.endsWith(".jsa") } shouldHaveSize 1
        archives.filter { it.toString().endsWith(".lock") || it.toString().endsWith(".tmp") }.shouldBeEmpty()
        Integer.toOctalString(Files.getAttribute(cache, "unix:mode") as Int and 0x1ff) shouldBe "700"

        val second = Process(RunForever(), options = options).also { it.start() }
        second.running.await()
        val pid = second.pid!!
        val archive = archives.single { it.toString().endsWith(".jsa") }.toString()
        String(Files.readAllBytes(Path.of("/proc/$pid/cmdline"))).replace('\u0000', ' ') shouldContain "-XX:SharedArchiveFile=$archive"
        Files.readString(Path.of("/proc/$pid/maps")) shouldContain archive
        second.kill()
        second.join()
    }

    test("a classpath with directories starts workers without an archive") {
        val cache = tempdir().toPath()
        val p = Process(Square(5), options = WorkerOptions { cacheDirectory(cache) }).also { it.start() }
        p.await() shouldBe 25
        p.join()
        Files.exists(cache.resolve("cds")) shouldBe false
    }
})
