package dev.coproc.it.plugin;

import dev.coproc.BlockingTask;

/** A task outside the shaded jar, which the application loads through a class loader of its own. */
public record PluginTask(int x) implements BlockingTask<String> {
    @Override
    public String call() {
        return "doubled " + x + " to " + (2 * x);
    }
}
