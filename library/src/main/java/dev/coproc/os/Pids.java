package dev.coproc.os;

import dev.coproc.os.internal.LibC;

import java.time.Duration;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** Process ids: this JVM's own, its parent's, and waiting for any process (not only a child) to end. */
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

    /** A close-on-exec pidfd, or minus the errno. */
    public static int openPidfd(int pid) {
        long fd = LibC.get().syscall(LibC.SYS_PIDFD_OPEN, pid, 0, 0);
        return fd >= 0 ? (int) fd : -LibC.errno();
    }
}
