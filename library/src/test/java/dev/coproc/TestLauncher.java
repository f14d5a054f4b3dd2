package dev.coproc;

import dev.coproc.worker.WorkerMain;

/** A launcher as a user's might be (see {@code WorkerOptions.mainClass}): it prepares the JVM, then runs coproc's worker. */
public final class TestLauncher {
    private TestLauncher() {}

    public static void main(String[] args) {
        System.setProperty("coproc.launcher", TestLauncher.class.getSimpleName());
        WorkerMain.main(args);
    }
}
