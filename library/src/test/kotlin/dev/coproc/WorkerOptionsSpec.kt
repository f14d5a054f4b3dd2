package dev.coproc

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempfile
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Path

class WorkerOptionsSpec : FunSpec({
    extension(Hygiene)
    timeout = 60_000

    suspend fun <R> runIn(options: WorkerOptions, task: Task<R>): R {
        val p = Process(task, options = options).also { it.start() }
        return p.await().also { p.join() }
    }

    test("system properties and heap size reach the worker JVM") {
        val options = WorkerOptions { systemProperty("coproc.test", "yes"); maxHeap("48m") }
        runIn(options, SystemProperty("coproc.test")) shouldBe "yes"
        runIn(options, MaxHeap()) shouldBeLessThan 64L * 1024 * 1024
    }

    test("the environment is explicit when given") {
        val options = WorkerOptions { environment(mapOf("COPROC_ONLY" to "1")) }
        runIn(options, Env("COPROC_ONLY")) shouldBe "1"
        runIn(options, Env("HOME")) shouldBe null
    }

    test("the working directory is set") {
        val dir = tempdir()
        runIn(WorkerOptions { workingDirectory(dir.toPath()) }, WorkingDirectory()) shouldBe dir.toPath().toRealPath().toString()
    }

    test("extra JVM flags are passed") {
        val options = WorkerOptions { jvmArgs("-Dcoproc.flag=set") }
        runIn(options, SystemProperty("coproc.flag")) shouldBe "set"
    }

    test("a JVM flag that is not one (empty, or without its dash) is refused when given, naming it: the launcher would take it for the class to run") {
        for (bad in listOf("", " ", "Xmx1g", "Dcoproc.flag=set")) {
            shouldThrow<IllegalArgumentException> { WorkerOptions { jvmArgs("-Xss2m", bad) } }.message shouldContain "\"$bad\""
        }
        val argumentFile = tempfile().apply { writeText("-Dcoproc.flag=from-file") }
        runIn(WorkerOptions { jvmArgs("@$argumentFile") }, SystemProperty("coproc.flag")) shouldBe "from-file"
    }

    test("workers use the serial collector unless their flags choose one") {
        runIn(WorkerOptions { }, GarbageCollectors()) shouldBe listOf("Copy", "MarkSweepCompact")
        runIn(WorkerOptions { serialGc(false) }, GarbageCollectors()).first() shouldContain "G1"
        runIn(WorkerOptions { jvmArgs("-XX:+UseParallelGC") }, GarbageCollectors()).first() shouldContain "PS"
    }

    test("a worker that cannot be started fails with ProcessStartException") {
        val options = WorkerOptions { javaHome(Path.of("/nonexistent/jdk")) }
        val error = shouldThrow<ProcessStartException> { Process(Square(1), options = options).start() }
        error.message shouldContain "/nonexistent/jdk/bin/java"
        error.message shouldContain "ENOENT"
    }

    test("a worker classpath without the task's class or without coproc fails the start at once, naming what is missing") {
        val here = ClassDirectoriesAsJars.originalClasspath().split(java.io.File.pathSeparator)
        val testClasses = Path.of(Square::class.java.protectionDomain.codeSource.location.toURI()).toString()
        val coproc = Path.of(Process::class.java.protectionDomain.codeSource.location.toURI()).toString()
        val withoutTests = WorkerOptions { classpath(here.filter { it != testClasses }.joinToString(java.io.File.pathSeparator)) }
        val started = shouldThrow<ProcessStartException> { Process(Square(1), options = withoutTests).start() }
        started.message shouldContain "the task class"
        started.message shouldContain Square::class.java.name
        started.message shouldContain testClasses
        started.message shouldContain "WorkerOptions.classpath"
        processPool(PoolOptions.builder().workers(1).workerOptions(withoutTests).build()) {
            shouldThrow<ProcessStartException> { apply(Square(2)) }.message shouldContain Square::class.java.name
            shouldThrow<ProcessStartException> { map(listOf(1, 2), SquareFn) }.message shouldContain SquareFn::class.java.name
        }
        val withoutCoproc = WorkerOptions { classpath(here.filter { it != coproc }.joinToString(java.io.File.pathSeparator)) }
        shouldThrow<ProcessStartException> { ProcessPool.create(PoolOptions.builder().workerOptions(withoutCoproc).build()) }
            .message shouldContain "could not load coproc"
        // The same classpath given with relative entries is accepted: they resolve where the worker starts.
        val relative = WorkerOptions {
            classpath(here.joinToString(java.io.File.pathSeparator) { entry -> Path.of("").toAbsolutePath().relativize(Path.of(entry)).toString() })
        }
        Process(Square(3), options = relative).start().await() shouldBe 9
    }

    test("a task class loaded by a class loader beyond java.class.path (as under mvn exec:java) runs in a worker") {
        // A record compiled now into a directory only a URLClassLoader of this test knows, as a launcher's would be.
        val classes = tempdir().toPath()
        val source = classes.resolve("Echo.java")
        java.nio.file.Files.writeString(
            source,
            "public record Echo(String text) implements dev.coproc.BlockingTask<String> { public String call() { return \"echo \" + text; } }",
        )
        val javac = javax.tools.ToolProvider.getSystemJavaCompiler()
        javac.run(null, null, null, "-cp", System.getProperty("java.class.path"), "-d", classes.toString(), source.toString()) shouldBe 0
        java.net.URLClassLoader(arrayOf(classes.toUri().toURL()), WorkerOptionsSpec::class.java.classLoader).use { loader ->
            val echo = loader.loadClass("Echo").getConstructor(String::class.java).newInstance("beyond") as BlockingTask<*>
            val thread = Thread.currentThread()
            val before = thread.contextClassLoader
            thread.contextClassLoader = loader
            val options = try {
                WorkerOptions.builder().build()
            } finally {
                thread.contextClassLoader = before
            }
            options.classpath shouldContain classes.toString()
            Process(BlockingTasks.task(echo), options = options).start().await() shouldBe "echo beyond"
            // Without the loader's entries the start is refused, naming the class.
            val jvmOnly = WorkerOptions { classpath(System.getProperty("java.class.path")) }
            shouldThrow<ProcessStartException> { Process(BlockingTasks.task(echo), options = jvmOnly).start() }.message shouldContain "Echo"
        }
    }

    test("workers start through the launcher that mainClass names, and no flag passes for a class name") {
        val options = WorkerOptions { mainClass(TestLauncher::class.java.name) }
        options.mainClass shouldBe TestLauncher::class.java.name
        runIn(options, SystemProperty("coproc.launcher")) shouldBe "TestLauncher"
        runIn(WorkerOptions { }, SystemProperty("coproc.launcher")) shouldBe null
        // A chosen main class survives toBuilder(); null finds it from the classpath again.
        options.toBuilder().maxHeap("64m").build().mainClass shouldBe TestLauncher::class.java.name
        options.toBuilder().mainClass(null).build().mainClass shouldBe "dev.coproc.worker.WorkerMain"
        for (bad in listOf("-Dx=y", "", "a b", "Main\u0000", "Main\u0001", ".Main", "Main.", "a..b")) {
            shouldThrow<IllegalArgumentException> { WorkerOptions { mainClass(bad) } }
        }
        // Boot's JarLauncher would start the whole application in every worker.
        shouldThrow<IllegalArgumentException> { WorkerOptions { mainClass("org.springframework.boot.loader.launch.JarLauncher") } }
            .message shouldContain "PropertiesLauncher"
    }

    test("a Spring Boot executable jar first on the classpath starts workers through Boot's PropertiesLauncher") {
        val jars = tempdir().toPath()
        fun jar(name: String, vararg attributes: Pair<String, String>): String {
            val manifest = java.util.jar.Manifest().apply {
                mainAttributes[java.util.jar.Attributes.Name.MANIFEST_VERSION] = "1.0"
                attributes.forEach { (key, value) -> mainAttributes.putValue(key, value) }
            }
            val path = jars.resolve(name)
            java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(path), manifest).close()
            return path.toString()
        }
        val boot = jar("boot.jar", "Main-Class" to "org.springframework.boot.loader.launch.JarLauncher", "Start-Class" to "app.Main", "Spring-Boot-Lib" to "BOOT-INF/lib/")
        val bootOptions = WorkerOptions { classpath(boot); classDataSharing(false) }
        bootOptions.mainClass shouldBe "org.springframework.boot.loader.launch.PropertiesLauncher"
        bootOptions.launch.systemProperties["loader.main"] shouldBe "dev.coproc.worker.WorkerMain"
        bootOptions.launch.argv(dev.coproc.internal.channel.ClassDataArchive.plan(bootOptions.launch)).takeLast(3) shouldBe
            listOf("-cp", boot, "org.springframework.boot.loader.launch.PropertiesLauncher")
        // An agent's jar after it (java -javaagent:agent.jar -jar app.jar), or a relative path from the workers'
        // working directory, changes nothing.
        WorkerOptions { classpath(boot + java.io.File.pathSeparator + jar("agent.jar", "Premain-Class" to "Agent")) }
            .mainClass shouldBe "org.springframework.boot.loader.launch.PropertiesLauncher"
        WorkerOptions { classpath("boot.jar"); workingDirectory(jars) }.mainClass shouldBe "org.springframework.boot.loader.launch.PropertiesLauncher"
        // Boot before 3.2 kept its launchers one package up.
        WorkerOptions { classpath(jar("old.jar", "Main-Class" to "org.springframework.boot.loader.JarLauncher", "Spring-Boot-Lib" to "BOOT-INF/lib/")) }
            .mainClass shouldBe "org.springframework.boot.loader.PropertiesLauncher"
        // A loader.main of the user's own is kept; a chosen main class wins; a new classpath is looked at again.
        WorkerOptions { classpath(boot); systemProperty("loader.main", "app.Worker") }.launch.systemProperties["loader.main"] shouldBe "app.Worker"
        WorkerOptions { classpath(boot); mainClass(TestLauncher::class.java.name) }.mainClass shouldBe TestLauncher::class.java.name
        bootOptions.toBuilder().classpath(System.getProperty("java.class.path")).build().mainClass shouldBe "dev.coproc.worker.WorkerMain"
        // A shaded jar, even one holding Boot's loader, and what is no jar at all start coproc's worker directly.
        WorkerOptions { classpath(jar("shaded.jar", "Main-Class" to "org.springframework.boot.loader.launch.JarLauncher")) }
            .mainClass shouldBe "dev.coproc.worker.WorkerMain"
        java.nio.file.Files.writeString(jars.resolve("text.jar"), "not a zip")
        java.nio.file.Files.createDirectory(jars.resolve("folder.jar"))
        for (notAJar in listOf("missing.jar", "text.jar", "folder.jar")) {
            WorkerOptions { classpath(jars.resolve(notAJar).toString()) }.mainClass shouldBe "dev.coproc.worker.WorkerMain"
        }
        WorkerOptions.DEFAULT.mainClass shouldBe "dev.coproc.worker.WorkerMain"
    }

    test("a thin jar whose manifest Class-Path names its libraries starts workers, and the check follows it") {
        val dir = tempdir().toPath()
        val jar = dir.resolve("thin.jar")
        // Class-Path entries are URLs relative to the jar's directory; a directory's ends with a slash.
        val entries = System.getProperty("java.class.path").split(java.io.File.pathSeparator).filter { it.isNotEmpty() }.map { entry ->
            val path = Path.of(entry).toAbsolutePath()
            dir.relativize(path).toString() + if (java.nio.file.Files.isDirectory(path)) "/" else ""
        }
        val manifest = java.util.jar.Manifest().apply {
            mainAttributes[java.util.jar.Attributes.Name.MANIFEST_VERSION] = "1.0"
            mainAttributes[java.util.jar.Attributes.Name.CLASS_PATH] = entries.joinToString(" ")
        }
        java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(jar), manifest).close()
        runIn(WorkerOptions { classpath(jar.toString()) }, Square(4)) shouldBe 16
    }

    test("a missing working directory fails with ProcessStartException") {
        val options = WorkerOptions { workingDirectory(Path.of("/nonexistent/dir")) }
        shouldThrow<ProcessStartException> { Process(Square(1), options = options).start() }.message shouldContain "/nonexistent/dir"
    }

    test("a NUL character in a flag or the environment fails with ProcessStartException before a worker is spawned") {
        val inFlag = WorkerOptions { jvmArgs("-Dcoproc.test=cut\u0000 -Dmore") }
        shouldThrow<ProcessStartException> { Process(Square(1), options = inFlag).start() }.message shouldContain "NUL"
        val inEnvironment = WorkerOptions { environment(mapOf("COPROC_TEST" to "cut\u0000here")) }
        shouldThrow<ProcessStartException> { Process(Square(1), options = inEnvironment).start() }.message shouldContain "COPROC_TEST"
    }

    test("prefixed output carries the process name and pid") {
        val captured = java.io.ByteArrayOutputStream()
        val original = System.out
        System.setOut(java.io.PrintStream(captured, true))
        try {
            val p = Process(Print("hello from the child"), name = "printer", options = WorkerOptions { prefixOutput(true) })
            p.start()
            p.await()
            p.join()
            // join returns once the child's output has been copied out.
            captured.toString() shouldContain "[printer ${p.pid}] hello from the child"
        } finally {
            System.setOut(original)
        }
    }
})
