package dev.coproc.os;

import dev.coproc.os.internal.LibC;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The JVM's one I/O thread: it waits in {@code poll(2)} on every descriptor somebody is waiting for (a socket
 * to become readable or writable, a child's pidfd to signal its exit) and runs that waiter's callback once.
 *
 * <p>Waiting callers never block their own thread: they register a callback and return (a coroutine suspends).
 * Callbacks run on the poller thread and must be short: resuming a continuation or completing a future.
 */
public final class FdPoller {
    /** Readable, or at end of file. */
    public static final short READABLE = LibC.POLLIN;
    /** Writable. */
    public static final short WRITABLE = LibC.POLLOUT;

    private static final FdPoller INSTANCE = new FdPoller();

    private final Set<Wait> waits = new LinkedHashSet<>();
    private Fd wakeRead;
    private Fd wakeWrite;
    private Thread thread;

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
         * poller no longer watches the fd, so the fd may be closed.
         */
        public boolean cancel() {
            boolean removed;
            synchronized (FdPoller.this) {
                removed = waits.remove(this);
            }
            // The poll in progress may still hold the fd number: make it start a new round without it.
            if (removed) wake();
            return removed;
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
            waits.add(wait);
        }
        wake();
        return wait;
    }

    private void ensureThread() throws OsException {
        if (thread != null) return;
        Fd[] pipe = Pipes.open();
        wakeRead = pipe[0];
        wakeWrite = pipe[1];
        thread = new Thread(null, this::loop, "coproc-poller", 256 * 1024);
        thread.setDaemon(true);
        thread.start();
    }

    /** Creates the poller's thread and wake pipe now, so that a later fd count does not see them appear. */
    public synchronized void start() throws OsException {
        ensureThread();
    }

    private void wake() {
        Fd write;
        synchronized (this) {
            write = wakeWrite;
        }
        if (write == null) return;
        try {
            write.write(WAKE, 0, 1);
        } catch (java.io.IOException e) {
            // The wake pipe never closes and a full one wakes the poller anyway.
        }
    }

    private static final byte[] WAKE = {1};

    private void loop() {
        Pointer pollfds = null;
        int capacity = 0;
        byte[] drain = new byte[256];
        while (true) {
            List<Wait> polled;
            synchronized (this) {
                polled = new ArrayList<>(waits);
            }
            int count = polled.size() + 1;
            if (count > capacity) {
                capacity = Math.max(count, capacity * 2);
                pollfds = Memory.allocateDirect(LibC.runtime(), capacity * 8L, true);
            }
            putPollfd(pollfds, 0, wakeRead.number(), LibC.POLLIN);
            for (int i = 0; i < polled.size(); i++) putPollfd(pollfds, i + 1, polled.get(i).fd, polled.get(i).events);
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
                Wait wait = polled.get(i);
                boolean mine;
                synchronized (this) {
                    mine = waits.remove(wait);
                }
                if (!mine) continue; // cancelled meanwhile
                // Never let one failing callback stop the thread that every other waiter depends on.
                try {
                    wait.onReady.run();
                } catch (RuntimeException | Error e) {
                    Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
                }
            }
        }
    }

    private static void putPollfd(Pointer pollfds, int index, int fd, short events) {
        pollfds.putInt(index * 8L, fd);
        pollfds.putShort(index * 8L + 4, events);
        pollfds.putShort(index * 8L + 6, (short) 0);
    }

    private static short revents(Pointer pollfds, int index) {
        return pollfds.getShort(index * 8L + 6);
    }
}
