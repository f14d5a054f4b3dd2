package dev.coproc.internal.shm;

import dev.coproc.internal.os.Pids;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process named so that a reused pid cannot pass for it: its pid and the low 32 bits of its start time
 * (clock ticks after boot), packed in one long that fits a single atomic word in shared memory.
 */
public final class ProcessIdentity {
    private ProcessIdentity() {}

    private static final long SELF = of(Pids.current());

    /** This process. */
    public static long self() {
        return SELF;
    }

    /** The identity of {@code pid} now; 0 if it is not running. */
    public static long of(long pid) {
        long start = startTime(pid);
        return start < 0 ? 0 : (pid << 32) | (start & 0xffffffffL);
    }

    static long pid(long identity) {
        return identity >>> 32;
    }

    /** False once the process died (even if not reaped yet) or its pid went to another process. */
    public static boolean isAlive(long identity) {
        long pid = pid(identity);
        return pid > 0 && of(pid) == identity;
    }

    /** Field 22 of /proc/pid/stat; -1 if the process is gone or a zombie. */
    private static long startTime(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return -1;
        }
        // The command name may hold spaces and parentheses: the fields that follow start after the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        char state = fields[0].charAt(0);
        if (state == 'Z' || state == 'X') return -1;
        return Long.parseLong(fields[19]);
    }
}
