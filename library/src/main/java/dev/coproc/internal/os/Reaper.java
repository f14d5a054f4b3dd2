package dev.coproc.internal.os;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Collects the exit status of every child it is told about, so no child of coproc stays a zombie, whether or
 * not anybody joins it.
 *
 * <p>The {@link FdPoller} thread waits on a {@code pidfd} per child (Linux 5.3+): it becomes readable when that child exits and
 * cannot be fooled by pid reuse. Only then is {@code waitpid(pid)} called for that exact pid: never
 * {@code waitpid(-1)}, which would steal the children of {@link ProcessBuilder}. Without pidfds, a small thread
 * per child blocks in {@code waitpid(pid)}, as the JDK does. Nothing polls on a timer. A caller that may block
 * waits for its child on its own thread instead ({@link #watchInCaller}): one thread woken at the child's end, not
 * two; the two ways never both call {@code waitpid} for one child.
 */
public final class Reaper {
    private static final Reaper INSTANCE = new Reaper();

    private final Map<Integer, Watch> watches = new HashMap<>();
    private Boolean pidfdsWork;

    private static final class Watch {
        final int pid;
        final int pidfd;
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        /** The poller's wait on {@link #pidfd}, and whether the child was reaped; guarded by this watch. */
        FdPoller.Wait polled;
        boolean reaped;

        Watch(int pid, int pidfd) {
            this.pid = pid;
            this.pidfd = pidfd;
        }
    }

    private Reaper() {}

    /** The JVM-wide reaper. */
    public static Reaper get() {
        return INSTANCE;
    }

    /**
     * Starts watching {@code pid}, a child this JVM spawned and nobody else waits for; the future completes
     * with its raw wait status (as waitpid(2) reports it; {@code ExitStatus.decode} reads it) once it has been
     * reaped. Watching the same pid again returns the same future.
     */
    public CompletableFuture<Integer> watch(int pid) throws OsException {
        return watch(pid, true);
    }

    /**
     * As {@link #watch}, for a caller that waits for the child on its own thread: nothing reaps it but that
     * caller, through {@link #exitDescriptor} and {@link #reapIfEnded}, and the poller's thread is not woken by
     * its exit. A caller that stops waiting before it has reaped the child must hand it over with {@link #watch}.
     * Where pidfds do not work, the child is reaped as by {@link #watch}.
     */
    public CompletableFuture<Integer> watchInCaller(int pid) throws OsException {
        return watch(pid, false);
    }

    private CompletableFuture<Integer> watch(int pid, boolean polled) throws OsException {
        Watch watch;
        synchronized (this) {
            watch = watches.get(pid);
            if (watch == null) watch = newWatch(pid);
        }
        // Outside this reaper's lock: a watch is locked before the reaper, never after (see settle).
        if (polled) poll(watch);
        return watch.exit;
    }

    /** A watch on a pidfd of {@code pid}, not polled yet; or one with a thread of its own where pidfds do not work. */
    private Watch newWatch(int pid) throws OsException {
        if (pidfdsWork == null || pidfdsWork) {
            int pidfd = Pids.openPidfd(pid);
            if (pidfd >= 0) {
                pidfdsWork = true;
                Watch watch = new Watch(pid, pidfd);
                watches.put(pid, watch);
                return watch;
            }
            if (pidfd == -LibC.ENOSYS) {
                pidfdsWork = false;
            } else {
                throw new OsException("pidfd_open(" + pid + ")", -pidfd);
            }
        }
        Watch watch = new Watch(pid, -1);
        watches.put(pid, watch);
        Thread waiter = new Thread(null, () -> {
            try {
                watch.exit.complete(blockingWait(pid));
            } catch (RuntimeException e) {
                watch.exit.completeExceptionally(e);
            } finally {
                synchronized (this) {
                    watches.remove(pid);
                }
            }
        }, "coproc-waitpid-" + pid, 64 * 1024);
        waiter.setDaemon(true);
        waiter.start();
        return watch;
    }

    /**
     * A descriptor of its own that turns readable when {@code pid}, a child {@linkplain #watchInCaller watched in
     * the caller}, ends: the caller waits on it (with whatever else it polls) and then calls {@link #reapIfEnded}.
     * That saves waking the poller's thread and then the caller's, one after the other. Null when the child is
     * reaped already or pidfds do not work here; the caller closes it.
     */
    public Fd exitDescriptor(int pid) throws OsException {
        Watch watch;
        synchronized (this) {
            watch = watches.get(pid);
        }
        if (watch == null || watch.pidfd < 0) return null;
        synchronized (watch) {
            // The pidfd is closed when the child is reaped, holding the watch: it is open here.
            if (watch.reaped) return null;
            int copy = LibC.get().fcntl(watch.pidfd, LibC.F_DUPFD_CLOEXEC, 0);
            if (copy < 0) throw new OsException("fcntl(F_DUPFD_CLOEXEC)", LibC.errno());
            return new Fd(copy);
        }
    }

    /**
     * Reaps {@code pid}, a watched child, on the caller's thread if it has ended, completing its future; true once
     * it is reaped (its future then completes at once, if another thread reaped it). Never blocks in waitpid.
     */
    public boolean reapIfEnded(int pid) {
        Watch watch;
        synchronized (this) {
            watch = watches.get(pid);
        }
        if (watch == null) return true;
        // A thread of its own waits in waitpid for it: a second waitpid here would steal or fail.
        if (watch.pidfd < 0) return watch.exit.isDone();
        return settle(watch);
    }

    /** Has the poller's thread wait for the watch's child, unless it is reaped or waited for there already. */
    private void poll(Watch watch) throws OsException {
        synchronized (watch) {
            if (watch.reaped || watch.polled != null || watch.pidfd < 0) return;
            watch.polled = FdPoller.get().await(watch.pidfd, FdPoller.READABLE, () -> reap(watch));
        }
    }

    /** On the poller thread: the child exited, so waitpid returns at once. */
    private void reap(Watch watch) {
        synchronized (watch) {
            watch.polled = null;
        }
        if (settle(watch)) return;
        try {
            // Not ended after all (a stale readiness event): the poller thread must never block in waitpid.
            poll(watch);
        } catch (OsException e) {
            watch.exit.completeExceptionally(e);
        }
    }

    /**
     * Reaps the watch's child if it has ended; true once it is reaped, by this call or an earlier one. Both the
     * poller's thread and a caller waiting on an {@link #exitDescriptor} come here: holding the watch makes one
     * of them call waitpid, which a second call would fail with ECHILD.
     */
    private boolean settle(Watch watch) {
        Integer status = null;
        RuntimeException failure = null;
        synchronized (watch) {
            if (watch.reaped) return true;
            try {
                status = exitedStatus(watch.pid);
                if (status == null) return false;
            } catch (RuntimeException e) {
                // Never let one lost status stop the thread that reaps every other child.
                failure = e;
            }
            watch.reaped = true;
            // The poller's wait must be gone before the pidfd closes: its number may be reused at once.
            if (watch.polled != null) watch.polled.cancel();
            watch.polled = null;
            synchronized (this) {
                watches.remove(watch.pid, watch);
            }
            LibC.get().close(watch.pidfd);
        }
        // Outside the lock: what depends on the exit runs now, on this thread.
        if (failure != null) {
            watch.exit.completeExceptionally(failure);
        } else {
            watch.exit.complete(status);
        }
        return true;
    }

    /** The status of a child that has ended, or null while it runs; never blocks. */
    private static Integer exitedStatus(int pid) {
        int[] status = new int[1];
        while (true) {
            long rc = Posix.get().waitpid(pid, status, LibC.WNOHANG);
            if (rc == pid) return status[0];
            if (rc == 0) return null;
            int errno = Posix.get().errno();
            if (errno != LibC.EINTR) throw new IllegalStateException(new OsException("waitpid(" + pid + ")", errno));
        }
    }

    private static int blockingWait(int pid) {
        int[] status = new int[1];
        while (true) {
            long rc = Posix.get().waitpid(pid, status, 0);
            if (rc == pid) return status[0];
            int errno = Posix.get().errno();
            if (errno != LibC.EINTR) {
                // ECHILD: somebody else reaped it (a stray waitpid(-1) elsewhere in the JVM); the status is lost.
                throw new IllegalStateException(new OsException("waitpid(" + pid + ")", errno));
            }
        }
    }
}
