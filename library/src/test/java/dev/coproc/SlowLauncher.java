package dev.coproc;

import dev.coproc.worker.WorkerMain;

/**
 * A launcher that takes 3 s before it runs coproc's worker: a JVM start on a loaded machine, longer than the
 * default grace period (2 s), without a loaded machine.
 */
public final class SlowLauncher {
    private SlowLauncher() {}

    public static void main(String[] args) throws InterruptedException {
        Thread.sleep(3_000);
        WorkerMain.main(args);
    }
}
