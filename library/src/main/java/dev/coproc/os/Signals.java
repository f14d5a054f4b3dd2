package dev.coproc.os;

import dev.coproc.internal.os.Pids;

import java.io.IOException;

import jnr.constants.platform.Signal;

/** Sends signals to processes and process groups, and names signal numbers. */
public final class Signals {
    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGKILL = 9;
    public static final int SIGUSR1 = 10;
    public static final int SIGSEGV = 11;
    public static final int SIGUSR2 = 12;
    public static final int SIGPIPE = 13;
    public static final int SIGTERM = 15;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;

    private Signals() {}

    /**
     * Sends {@code signal} to process {@code pid}.
     *
     * @return false when no such process exists (ESRCH); other failures throw
     */
    public static boolean send(long pid, int signal) throws IOException {
        if (pid <= 0) throw new IllegalArgumentException("pid must be positive (use sendToGroup for groups): " + pid);
        return kill(pid, signal);
    }

    /** Sends {@code signal} to every process of process group {@code processGroup}; false when the group is empty. */
    public static boolean sendToGroup(long processGroup, int signal) throws IOException {
        if (processGroup <= 1) throw new IllegalArgumentException("not a process group id: " + processGroup);
        return kill(-processGroup, signal);
    }

    private static boolean kill(long target, int signal) throws IOException {
        return Pids.signal(target, signal, name(signal));
    }

    /** The symbolic name of a signal number, e.g. {@code SIGTERM}; {@code SIG<n>} when unknown. */
    public static String name(int signal) {
        for (Signal known : Signal.values()) {
            if (known.defined() && known.intValue() == signal) return known.name();
        }
        return "SIG" + signal;
    }
}
