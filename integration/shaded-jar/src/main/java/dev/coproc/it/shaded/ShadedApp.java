package dev.coproc.it.shaded;

import dev.coproc.BlockingTask;
import dev.coproc.it.Scenario;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

/**
 * The shaded application. With no argument it runs the {@link Scenario}. With {@code plugin DIR} or
 * {@code foreign DIR} it loads a task class from DIR through a class loader of its own, as plugin hosts and
 * {@code mvn exec:java} do, and runs it on a pool: {@code plugin} makes that loader the thread's context class
 * loader first (as {@code exec:java} does), {@code foreign} does not.
 */
public final class ShadedApp {
    private ShadedApp() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            Scenario.run(System.out, null);
            return;
        }
        URLClassLoader plugins = new URLClassLoader(new URL[] {Path.of(args[1]).toUri().toURL()}, ShadedApp.class.getClassLoader());
        if (args[0].equals("plugin")) Thread.currentThread().setContextClassLoader(plugins);
        BlockingTask<?> task = (BlockingTask<?>) plugins.loadClass("dev.coproc.it.plugin.PluginTask")
            .getConstructor(int.class).newInstance(21);
        Scenario.runForeign(System.out, task);
    }
}
