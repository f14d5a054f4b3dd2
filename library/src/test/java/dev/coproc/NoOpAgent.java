package dev.coproc;

/** A Java agent that does nothing: what a worker started with {@code -javaagent} loads in tests. */
public final class NoOpAgent {
    private NoOpAgent() {}

    public static void premain(String arguments) {}
}
