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
 * per child blocks in {@code waitpid(pid)}, as the JDK does. Nothing polls on a timer.
 */
public final class Reaper {
    private static final Reaper INSTANCE = new Reaper();

    private final Map<Integer, Watch> watches = new HashMap<>();
    private Boolean pidfdsWork;

    private static final class Watch {
        final int pid;
        final int pidfd;
        final CompletableFuture<Integer> exit = new CompletableFuture<>();

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
    public synchronized CompletableFuture<Integer> watch(int pid) throws OsException {
        Watch existing = watches.get(pid);
        if (existing != null) return existing.exit;
        if (pidfdsWork == null || pidfdsWork) {
            int pidfd = Pids.openPidfd(pid);
            if (pidfd >= 0) {
                pidfdsWork = true;
                Watch watch = new Watch(pid, pidfd);
                watches.put(pid, watch);
                FdPoller.get().await(pidfd, FdPoller.READABLE, () -> reap(watch));
                return watch.exit;
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
        return watch.exit;
    }

    /** On the poller thread: the child exited, so waitpid returns at once. */
    private void reap(Watch watch) {
        Integer status;
        try {
            status = exitedStatus(watch.pid);
            if (status == null) {
                // Not ended after all (a stale readiness event): the poller thread must never block in waitpid.
                FdPoller.get().await(watch.pidfd, FdPoller.READABLE, () -> reap(watch));
                return;
            }
        } catch (RuntimeException | OsException e) {
            // Never let one lost status stop the thread that reaps every other child.
            status = null;
            watch.exit.completeExceptionally(e);
        }
        synchronized (this) {
            watches.remove(watch.pid);
        }
        LibC.get().close(watch.pidfd);
        if (status != null) watch.exit.complete(status);
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
