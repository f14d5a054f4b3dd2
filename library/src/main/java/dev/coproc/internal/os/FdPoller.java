package dev.coproc.internal.os;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The JVM's one I/O thread: it waits in {@code epoll_wait(2)} on every descriptor somebody is waiting for (a
 * socket or pipe to become readable or writable, a child's pidfd to signal its exit) and runs that waiter's
 * callback once.
 *
 * <p>Waiting callers never block their own thread: they register a callback and return (a coroutine suspends).
 * A registration is one {@code epoll_ctl} on the caller's thread, which the thread already in
 * {@code epoll_wait} sees at once: nothing has to wake it. Each descriptor is armed one-shot for the union of
 * its waiters' events, and re-armed for those left after each event. Callbacks run on the poller thread and
 * must be short: resuming a continuation or completing a future.
 */
public final class FdPoller {
    /** Readable, or at end of file. */
    public static final short READABLE = LibC.POLLIN;
    /** Writable. */
    public static final short WRITABLE = LibC.POLLOUT;

    private static final FdPoller INSTANCE = new FdPoller();
    /** struct epoll_event is packed (12 bytes) on x86_64, naturally aligned (16) elsewhere. */
    private static final boolean PACKED = System.getProperty("os.arch").equals("amd64") || System.getProperty("os.arch").equals("x86_64");
    private static final int EVENT_BYTES = PACKED ? 12 : 16;
    private static final int DATA_OFFSET = PACKED ? 4 : 8;
    private static final int MAX_EVENTS = 64;

    /** The waits on each registered descriptor; guarded by this poller. */
    private final Map<Integer, List<Wait>> waitsByFd = new HashMap<>();
    private final Pointer control = Memory.allocateDirect(LibC.runtime(), 16, true);
    private int epoll = -1;
    private volatile Thread thread;

    private FdPoller() {}

    /** The JVM-wide poller. */
    public static FdPoller get() {
        return INSTANCE;
    }

    /** A registered wait; {@link #cancel()} it when the waiter stops waiting, before closing its fd. */
    public final class Wait {
        private final int fd;
        private final short events;
        private final Runnable onReady;

        private Wait(int fd, short events, Runnable onReady) {
            this.fd = fd;
            this.events = events;
            this.onReady = onReady;
        }

        /**
         * Stops waiting; returns false if the callback already ran or is running. After it returns, the
         * poller no longer watches the fd for this wait, so the fd may be closed.
         */
        public boolean cancel() {
            synchronized (FdPoller.this) {
                List<Wait> waits = waitsByFd.get(fd);
                if (waits == null || !waits.remove(this)) return false;
                rearm(fd, waits);
                return true;
            }
        }
    }

    /**
     * Runs {@code onReady} once, on the poller thread, when {@code fd} has one of {@code events}, or an error
     * or hang-up (the caller's next system call on it then tells which).
     */
    public Wait await(int fd, short events, Runnable onReady) throws OsException {
        Wait wait = new Wait(fd, events, onReady);
        synchronized (this) {
            ensureThread();
            List<Wait> waits = waitsByFd.computeIfAbsent(fd, ignored -> new ArrayList<>(2));
            boolean registered = !waits.isEmpty();
            waits.add(wait);
            int rc = control(registered ? LibC.EPOLL_CTL_MOD : LibC.EPOLL_CTL_ADD, fd, mask(waits));
            // A descriptor left registered through a duplicate of a closed one: take the registration over.
            if (rc != 0 && LibC.errno() == LibC.EEXIST) rc = control(LibC.EPOLL_CTL_MOD, fd, mask(waits));
            // Waits left for a closed descriptor whose number this one took (the kernel dropped the old
            // registration at the close, before they were cancelled): register it anew.
            if (rc != 0 && registered && LibC.errno() == LibC.ENOENT) rc = control(LibC.EPOLL_CTL_ADD, fd, mask(waits));
            if (rc != 0) {
                int errno = LibC.errno();
                waits.remove(wait);
                if (waits.isEmpty()) waitsByFd.remove(fd);
                throw new OsException("epoll_ctl(fd " + fd + ")", errno);
            }
        }
        return wait;
    }

    private void ensureThread() throws OsException {
        if (thread != null) return;
        epoll = LibC.get().epoll_create1(LibC.O_CLOEXEC);
        if (epoll < 0) throw new OsException("epoll_create1", LibC.errno());
        thread = new Thread(null, this::loop, "coproc-poller", 256 * 1024);
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether the caller runs on the poller's thread (where nothing may spin or block). */
    public boolean isPollerThread() {
        return Thread.currentThread() == thread;
    }

    /** Creates the poller's thread and epoll descriptor now, so that a later fd count does not see them appear. */
    public synchronized void start() throws OsException {
        ensureThread();
    }

    private void loop() {
        Pointer events = Memory.allocateDirect(LibC.runtime(), (long) MAX_EVENTS * EVENT_BYTES, true);
        List<Wait> ready = new ArrayList<>();
        while (true) {
            int count = LibC.get().epoll_wait(epoll, events, MAX_EVENTS, -1);
            if (count < 0) continue; // EINTR
            synchronized (this) {
                for (int i = 0; i < count; i++) {
                    int happened = events.getInt((long) i * EVENT_BYTES);
                    int fd = events.getInt((long) i * EVENT_BYTES + DATA_OFFSET);
                    List<Wait> waits = waitsByFd.get(fd);
                    if (waits == null) continue; // every wait on it was cancelled meanwhile
                    boolean failed = (happened & (LibC.EPOLLERR | LibC.EPOLLHUP)) != 0;
                    waits.removeIf(wait -> {
                        boolean fires = failed || (happened & wait.events) != 0;
                        if (fires) ready.add(wait);
                        return fires;
                    });
                    rearm(fd, waits);
                }
            }
            for (Wait wait : ready) {
                // Never let one failing callback stop the thread that every other waiter depends on.
                try {
                    wait.onReady.run();
                } catch (RuntimeException | Error e) {
                    Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
                }
            }
            ready.clear();
        }
    }

    /** After a change to {@code fd}'s waits: armed again for those left, or unregistered. Holding the lock. */
    private void rearm(int fd, List<Wait> waits) {
        if (waits.isEmpty()) {
            waitsByFd.remove(fd);
            control(LibC.EPOLL_CTL_DEL, fd, 0);
        } else {
            control(LibC.EPOLL_CTL_MOD, fd, mask(waits));
        }
    }

    private static int mask(List<Wait> waits) {
        int mask = LibC.EPOLLONESHOT;
        for (Wait wait : waits) mask |= wait.events;
        return mask;
    }

    /** One epoll_ctl with this poller's event buffer; holding the lock. */
    private int control(int operation, int fd, int mask) {
        control.putInt(0, mask);
        control.putInt(DATA_OFFSET, fd);
        control.putInt(DATA_OFFSET + 4, 0);
        return LibC.get().epoll_ctl(epoll, operation, fd, control);
    }
}
