package dev.coproc.os;

import dev.coproc.os.internal.LibC;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** Process ids: this JVM's own, its parent's, and waiting for (or telling) any process's end, not only a child's. */
public final class Pids {
    private Pids() {}

    /** This JVM's process id. */
    public static long current() {
        return ProcessHandle.current().pid();
    }

    /** The process id of this JVM's parent (1, or a subreaper, once the parent has died). */
    public static long parent() {
        return Posix.get().getppid();
    }

    /**
     * Waits until process {@code pid} has ended (a zombie counts as ended), for at most {@code timeout}.
     * Works for any process this user may signal, not only children, and reaps nothing.
     *
     * @return true when the process has ended (or never existed), false on timeout
     */
    public static boolean awaitExit(long pid, Duration timeout) throws OsException {
        int pidfd = openPidfd((int) pid);
        if (pidfd == -LibC.ESRCH) return true;
        if (pidfd < 0) throw new OsException("pidfd_open(" + pid + ")", -pidfd);
        try {
            Pointer pollfd = Memory.allocateDirect(LibC.runtime(), 8, true);
            pollfd.putInt(0, pidfd);
            pollfd.putShort(4, LibC.POLLIN);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = Math.max(0, deadline - System.nanoTime());
                int ready = LibC.get().poll(pollfd, 1, (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000));
                if (ready > 0) return true;
                if (ready == 0 && System.nanoTime() >= deadline) return false;
            }
        } finally {
            LibC.get().close(pidfd);
        }
    }

    /**
     * True when process {@code pid} has ended or is about to: gone, a zombie, or with a SIGKILL pending. A
     * process killed a moment ago still has running threads for some milliseconds and looks alive to every
     * other test; but from the moment {@code kill(SIGKILL)} returns until the process is gone, the signal sits
     * in its shared pending set ({@code ShdPnd} in {@code /proc/<pid>/status}).
     */
    public static boolean isEnding(long pid) {
        List<String> status;
        try {
            status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
        } catch (IOException e) {
            return true;
        }
        for (String line : status) {
            if (line.startsWith("State:")) {
                char state = line.substring(6).trim().charAt(0);
                if (state == 'Z' || state == 'X') return true;
            } else if (line.startsWith("ShdPnd:")) {
                long pending = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                if ((pending & (1L << (Signals.SIGKILL - 1))) != 0) return true;
            }
        }
        return false;
    }

    /** A close-on-exec pidfd, or minus the errno. */
    public static int openPidfd(int pid) {
        long fd = LibC.get().syscall(LibC.SYS_PIDFD_OPEN, pid, 0, 0);
        return fd >= 0 ? (int) fd : -LibC.errno();
    }
}
