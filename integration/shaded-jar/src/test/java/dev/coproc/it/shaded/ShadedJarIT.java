package dev.coproc.it.shaded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.it.AppRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Starts the shaded jar as its own JVM: workers start from it, and a task from elsewhere works or is refused. */
class ShadedJarIT {
    private static final Path JAR = Path.of(System.getProperty("coproc.it.jar"));
    private static final String PLUGINS = System.getProperty("coproc.it.plugin");

    /** {@code java -jar} the jar, named relative to the working directory as users do; it must exit 0. */
    private static AppRun runJar(String... arguments) throws Exception {
        String[] command = new String[arguments.length + 2];
        command[0] = "-jar";
        command[1] = JAR.getFileName().toString();
        System.arraycopy(arguments, 0, command, 2, arguments.length);
        AppRun run = AppRun.java(JAR.getParent(), command);
        assertEquals(0, run.exitCode, run.output);
        return run;
    }

    @Test
    void poolMapAndQueueRunFromTheShadedJar() throws Exception {
        AppRun run = runJar();
        assertEquals("[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]", run.value("map"));
        assertEquals("5050 exit=0", run.value("queue"));
        assertEquals(3, run.childPids().size(), run.output);
        assertEquals("0", run.value("left"), "children still there once closed");
        run.assertNoChildLeft();
    }

    @Test
    void taskLoadedByTheContextClassLoaderRunsInWorkers() throws Exception {
        AppRun run = runJar("plugin", PLUGINS);
        assertEquals("doubled 21 to 42", run.value("foreign"));
        run.assertNoChildLeft();
    }

    @Test
    void taskTheWorkersCannotLoadIsRefusedWithATypedError() throws Exception {
        AppRun run = runJar("foreign", PLUGINS);
        String refusal = run.value("refused");
        assertTrue(refusal.startsWith("ProcessStartException: "), refusal);
        assertTrue(refusal.contains("dev.coproc.it.plugin.PluginTask"), refusal);
        assertTrue(refusal.contains("WorkerOptions.classpath"), refusal);
        run.assertNoChildLeft();
    }
}
