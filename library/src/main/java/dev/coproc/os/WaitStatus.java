package dev.coproc.os;

import dev.coproc.internal.os.Pids;

import java.io.IOException;

/**
 * Any status {@code waitpid} reports, not only an end: with {@code WUNTRACED}/{@code WCONTINUED} a process is
 * also reported stopped (by which signal) or continued. An end decodes further into an {@link ExitStatus}.
 */
public final class WaitStatus {
    /** What happened to the process. */
    public enum Kind { EXITED, KILLED, STOPPED, CONTINUED }

    private final Kind kind;
    private final int raw;

    private WaitStatus(Kind kind, int raw) {
        this.kind = kind;
        this.raw = raw;
    }

    /** Decodes a raw status word as returned by waitpid(2). */
    public static WaitStatus decode(int raw) {
        if (raw == 0xffff) return new WaitStatus(Kind.CONTINUED, raw);
        int low = raw & 0x7f;
        if (low == 0x7f) return new WaitStatus(Kind.STOPPED, raw);
        return new WaitStatus(low == 0 ? Kind.EXITED : Kind.KILLED, raw);
    }

    /**
     * The next stop or continue of child {@code pid} not yet reported, or null if none: {@code waitid} without
     * {@code WEXITED}, so it can never take an exit status away from the {@link Reaper}.
     */
    public static WaitStatus pollStopOrContinue(long pid) throws IOException {
        int raw = Pids.pollStopOrContinue(pid);
        return raw < 0 ? null : decode(raw);
    }

    public Kind kind() {
        return kind;
    }

    /** For {@link Kind#STOPPED}: the signal that stopped it; else 0. */
    public int stopSignal() {
        return kind == Kind.STOPPED ? (raw >>> 8) & 0xff : 0;
    }

    /** The end it reports; fails for a stopped or continued process, which has not ended. */
    public ExitStatus exitStatus() {
        if (kind == Kind.STOPPED || kind == Kind.CONTINUED) throw new IllegalStateException("the process " + this + ", it has not ended");
        return ExitStatus.decode(raw);
    }

    @Override
    public String toString() {
        switch (kind) {
            case STOPPED: return "stopped by signal " + stopSignal() + " (" + Signals.name(stopSignal()) + ")";
            case CONTINUED: return "continued";
            default: return ExitStatus.decode(raw).toString();
        }
    }
}
