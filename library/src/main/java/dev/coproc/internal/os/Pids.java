package dev.coproc.internal.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** Process ids: this JVM's own, its parent's, and waiting for (or telling) any process's end, not only a child's. */
public final class Pids {
    /** Linux's number for SIGKILL (the public names live in {@code dev.coproc.os.Signals}, above this layer). */
    private static final int SIGKILL = 9;

    private Pids() {}

    /** The real user id of this process. */
    public static int currentUserId() {
        return Posix.get().getuid();
    }

    /**
     * A pidfd for any process this user may see, which turns readable when it ends; null when it has ended
     * (or never existed).
     */
    public static Fd pidfdOf(long pid) throws OsException {
        int pidfd = openPidfd((int) pid);
        if (pidfd == -LibC.ESRCH) return null;
        if (pidfd < 0) throw new OsException("pidfd_open(" + pid + ")", -pidfd);
        return new Fd(pidfd);
    }

    /**
     * Sends {@code signal} to {@code target}: a pid, or minus a process group id, as kill(2) takes it.
     *
     * @return false when no such process (or group) exists
     */
    public static boolean signal(long target, int signal, String signalName) throws OsException {
        int rc = Posix.get().kill((int) target, signal);
        if (rc == 0) return true;
        int errno = Posix.get().errno();
        if (errno == LibC.ESRCH) return false;
        throw new OsException("kill(" + target + ", " + signalName + ")", errno);
    }

    /**
     * Reports, without reaping, whether child {@code pid} stopped or continued since last asked: the raw wait
     * status of that event (as waitpid(2) would report it), or -1 when there was none.
     */
    public static int pollStopOrContinue(long pid) throws OsException {
        Pointer info = Memory.allocateDirect(LibC.runtime(), 128, true);
        if (LibC.get().waitid(LibC.P_PID, (int) pid, info, LibC.WSTOPPED | LibC.WCONTINUED | LibC.WNOHANG) != 0) {
            throw new OsException("waitid(" + pid + ")", LibC.errno());
        }
        if (info.getInt(16) == 0) return -1; // si_pid: no event
        int code = info.getInt(8); // si_code
        int status = info.getInt(24); // si_status: the signal
        if (code == LibC.CLD_STOPPED) return (status << 8) | 0x7f;
        if (code == LibC.CLD_CONTINUED) return 0xffff;
        return -1;
    }

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
                if ((pending & (1L << (SIGKILL - 1))) != 0) return true;
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
