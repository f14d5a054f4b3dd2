package dev.coproc.it.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coproc.it.AppRun;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starts the Spring Boot executable jar as its own JVM: its workers load coproc and its tasks from nested jars. */
class BootJarIT {
    private static final Path JAR = Path.of(System.getProperty("coproc.it.jar"));

    @Test
    void poolMapQueueAndTheApplicationsOwnTaskRunFromTheBootJar() throws Exception {
        AppRun run = AppRun.java(JAR.getParent(), "-jar", JAR.getFileName().toString());
        assertScenarioRan(run);
        run.assertNoChildLeft();
    }

    /** A monitoring agent's jar joins java.class.path after the application's (OpenTelemetry's, say). */
    @Test
    void theSameUnderAJavaAgent(@TempDir Path directory) throws Exception {
        Path agent = directory.resolve("agent.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", NoopAgent.class.getName());
        String classFile = NoopAgent.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(agent); JarOutputStream jar = new JarOutputStream(file, manifest)) {
            jar.putNextEntry(new JarEntry(classFile));
            try (var bytes = NoopAgent.class.getClassLoader().getResourceAsStream(classFile)) {
                bytes.transferTo(jar);
            }
        }
        AppRun run = AppRun.java(JAR.getParent(), "-javaagent:" + agent, "-jar", JAR.getFileName().toString());
        assertScenarioRan(run);
        run.assertNoChildLeft();
    }

    private static void assertScenarioRan(AppRun run) {
        assertEquals(0, run.exitCode, run.output);
        assertEquals("[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]", run.value("map"));
        assertEquals("hello boot", run.value("extra"));
        assertEquals("5050 exit=0", run.value("queue"));
        assertEquals(3, run.childPids().size(), run.output);
        assertEquals("0", run.value("left"), "children still there once closed");
    }
}
