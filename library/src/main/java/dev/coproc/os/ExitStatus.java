package dev.coproc.os;

import java.util.Objects;

/**
 * How a process ended, decoded from a {@code waitpid} status the way the OS reports it:
 * exited with a code, or killed by a signal (with or without a core dump).
 *
 * <p>{@link #code()} follows Python's {@code exitcode}: the exit code, or minus the signal number.
 */
public final class ExitStatus {
    private final int exitCode;
    private final int signal;
    private final boolean coreDumped;

    private ExitStatus(int exitCode, int signal, boolean coreDumped) {
        this.exitCode = exitCode;
        this.signal = signal;
        this.coreDumped = coreDumped;
    }

    /** A process that called exit(code). */
    public static ExitStatus exited(int code) {
        if (code < 0 || code > 255) throw new IllegalArgumentException("exit codes are 0..255, not " + code);
        return new ExitStatus(code, 0, false);
    }

    /** A process killed by {@code signal}. */
    public static ExitStatus killed(int signal, boolean coreDumped) {
        if (signal <= 0) throw new IllegalArgumentException("signal numbers are positive, not " + signal);
        return new ExitStatus(0, signal, coreDumped);
    }

    /** Decodes a raw status word as returned by waitpid(2). */
    public static ExitStatus decode(int raw) {
        int low = raw & 0x7f;
        if (low == 0) return exited((raw >>> 8) & 0xff);
        if (low != 0x7f) return killed(low, (raw & 0x80) != 0);
        throw new IllegalArgumentException("status 0x" + Integer.toHexString(raw) + " is a stopped process, not an ended one");
    }

    /** True when the process exited by itself (exit code available). */
    public boolean exited() {
        return signal == 0;
    }

    /** True when a signal ended the process. */
    public boolean killedBySignal() {
        return signal != 0;
    }

    /** The exit code, or -1 when the process was killed by a signal. */
    public int exitCode() {
        return signal == 0 ? exitCode : -1;
    }

    /** The signal that ended the process, or 0 when it exited by itself. */
    public int signal() {
        return signal;
    }

    /** The name of the signal that ended the process ({@code SIGTERM}...), or null when it exited by itself. */
    public String signalName() {
        return signal == 0 ? null : Signals.name(signal);
    }

    /** True when the kernel wrote a core dump for the signal that ended the process. */
    public boolean coreDumped() {
        return coreDumped;
    }

    /** Python's {@code exitcode}: the exit code, or minus the signal number. */
    public int code() {
        return signal == 0 ? exitCode : -signal;
    }

    /** True for exit code 0. */
    public boolean success() {
        return signal == 0 && exitCode == 0;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ExitStatus that
                && exitCode == that.exitCode && signal == that.signal && coreDumped == that.coreDumped;
    }

    @Override
    public int hashCode() {
        return Objects.hash(exitCode, signal, coreDumped);
    }

    @Override
    public String toString() {
        if (signal == 0) return "exited with code " + exitCode;
        return "killed by signal " + signal + " (" + Signals.name(signal) + ")" + (coreDumped ? ", core dumped" : "");
    }
}
