package dev.coproc.os;

import dev.coproc.os.internal.LibC;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Collects the exit status of every child it is told about, so no child of coproc stays a zombie, whether or
 * not anybody joins it.
 *
 * <p>One thread waits on a {@code pidfd} per child (Linux 5.3+): it becomes readable when that child exits and
 * cannot be fooled by pid reuse. Only then is {@code waitpid(pid)} called for that exact pid: never
 * {@code waitpid(-1)}, which would steal the children of {@link ProcessBuilder}. Without pidfds, a small thread
 * per child blocks in {@code waitpid(pid)}, as the JDK does. Nothing polls on a timer.
 */
public final class Reaper {
    private static final Reaper INSTANCE = new Reaper();

    private final Map<Integer, Watch> watches = new HashMap<>();
    private Fd wakeRead;
    private Fd wakeWrite;
    private Thread thread;
    private Boolean pidfdsWork;

    private static final class Watch {
        final int pid;
        final int pidfd;
        final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();

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
     * with its exit status once it has been reaped. Watching the same pid again returns the same future.
     */
    public synchronized CompletableFuture<ExitStatus> watch(int pid) throws OsException {
        Watch existing = watches.get(pid);
        if (existing != null) return existing.exit;
        if (pidfdsWork == null || pidfdsWork) {
            int pidfd = Pids.openPidfd(pid);
            if (pidfd >= 0) {
                pidfdsWork = true;
                Watch watch = new Watch(pid, pidfd);
                watches.put(pid, watch);
                ensureThread();
                wake();
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

    private void ensureThread() throws OsException {
        if (thread != null) return;
        Fd[] pipe = Pipes.open();
        wakeRead = pipe[0];
        wakeWrite = pipe[1];
        thread = new Thread(null, this::loop, "coproc-reaper", 256 * 1024);
        thread.setDaemon(true);
        thread.start();
    }

    private void wake() throws OsException {
        try {
            wakeWrite.write(new byte[] {1}, 0, 1);
        } catch (OsException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void loop() {
        Pointer pollfds = null;
        int capacity = 0;
        byte[] drain = new byte[64];
        while (true) {
            List<Watch> polled;
            synchronized (this) {
                polled = new ArrayList<>();
                for (Watch watch : watches.values()) if (watch.pidfd >= 0) polled.add(watch);
            }
            int count = polled.size() + 1;
            if (count > capacity) {
                capacity = Math.max(count, capacity * 2);
                pollfds = Memory.allocateDirect(LibC.runtime(), capacity * 8L, true);
            }
            putPollfd(pollfds, 0, wakeRead.number());
            for (int i = 0; i < polled.size(); i++) putPollfd(pollfds, i + 1, polled.get(i).pidfd);
            int ready = LibC.get().poll(pollfds, count, -1);
            if (ready < 0) continue; // EINTR
            if (revents(pollfds, 0) != 0) {
                try {
                    wakeRead.read(drain, 0, drain.length);
                } catch (java.io.IOException ignored) {
                    // The wake pipe never closes; a failed read only means another poll round.
                }
            }
            for (int i = 0; i < polled.size(); i++) {
                if (revents(pollfds, i + 1) == 0) continue;
                Watch watch = polled.get(i);
                synchronized (this) {
                    watches.remove(watch.pid);
                }
                LibC.get().close(watch.pidfd);
                // Never let one lost status stop the thread that reaps every other child.
                try {
                    watch.exit.complete(blockingWait(watch.pid));
                } catch (RuntimeException e) {
                    watch.exit.completeExceptionally(e);
                }
            }
        }
    }

    private static void putPollfd(Pointer pollfds, int index, int fd) {
        pollfds.putInt(index * 8L, fd);
        pollfds.putShort(index * 8L + 4, LibC.POLLIN);
        pollfds.putShort(index * 8L + 6, (short) 0);
    }

    private static short revents(Pointer pollfds, int index) {
        return pollfds.getShort(index * 8L + 6);
    }

    private static ExitStatus blockingWait(int pid) {
        int[] status = new int[1];
        while (true) {
            long rc = Posix.get().waitpid(pid, status, 0);
            if (rc == pid) return ExitStatus.decode(status[0]);
            int errno = Posix.get().errno();
            if (errno != LibC.EINTR) {
                // ECHILD: somebody else reaped it (a stray waitpid(-1) elsewhere in the JVM); the status is lost.
                throw new IllegalStateException(new OsException("waitpid(" + pid + ")", errno));
            }
        }
    }
}
