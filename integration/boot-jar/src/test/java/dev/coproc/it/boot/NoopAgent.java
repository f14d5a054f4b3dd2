package dev.coproc.it.boot;

import java.lang.instrument.Instrumentation;

/** A Java agent that does nothing: what matters is that its jar joins java.class.path. */
public final class NoopAgent {
    private NoopAgent() {}

    public static void premain(String arguments, Instrumentation instrumentation) {
        // Nothing to do.
    }
}
