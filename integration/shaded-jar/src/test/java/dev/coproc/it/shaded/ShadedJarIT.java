package dev.coproc.it.shaded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.it.AppRun;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Starts the shaded jar as its own JVM: workers start from it, and a task from elsewhere works or is refused. */
class ShadedJarIT {
    private static final Path JAR = Path.of(System.getProperty("coproc.it.jar"));
    private static final String PLUGINS = System.getProperty("coproc.it.plugin");

    @Test
    void poolMapAndQueueRunFromTheShadedJar() throws Exception {
        Instant start = Instant.now();
        // Named relative to the working directory, as `java -jar app.jar` users do.
        AppRun run = AppRun.java(JAR.getParent(), "-jar", JAR.getFileName().toString());
        assertEquals(0, run.exitCode, run.output);
        assertEquals("[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]", run.value("map"));
        assertEquals("5050 exit=0", run.value("queue"));
        assertEquals(3, run.childPids().size(), run.output);
        assertEquals("0", run.value("left"), "children still there once closed");
        run.assertNoChildLeft(start);
    }

    @Test
    void taskLoadedByTheContextClassLoaderRunsInWorkers() throws Exception {
        Instant start = Instant.now();
        AppRun run = AppRun.java(JAR.getParent(), "-jar", JAR.toString(), "plugin", PLUGINS);
        assertEquals(0, run.exitCode, run.output);
        assertEquals("doubled 21 to 42", run.value("foreign"));
        run.assertNoChildLeft(start);
    }

    @Test
    void taskTheWorkersCannotLoadIsRefusedWithATypedError() throws Exception {
        Instant start = Instant.now();
        AppRun run = AppRun.java(JAR.getParent(), "-jar", JAR.toString(), "foreign", PLUGINS);
        assertEquals(0, run.exitCode, run.output);
        String refusal = run.value("refused");
        assertTrue(refusal.startsWith("ProcessStartException: "), refusal);
        assertTrue(refusal.contains("dev.coproc.it.plugin.PluginTask"), refusal);
        assertTrue(refusal.contains("WorkerOptions.classpath"), refusal);
        run.assertNoChildLeft(start);
    }
}
