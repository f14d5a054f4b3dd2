package dev.coproc.internal.os;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A few descriptors waited on together with {@code poll(2)}, on the caller's own thread: for a caller that may
 * block (a blocking Java call), where {@link FdPoller} serves waits that must not. Filled again before each
 * {@link #poll}; one thread at a time.
 */
public final class PollSet {
    /** struct pollfd: int fd, short events, short revents. */
    private static final int ENTRY_BYTES = 8;

    private final Pointer entries;
    private final int capacity;
    private int count;

    /** Room for {@code capacity} descriptors. */
    public PollSet(int capacity) {
        this.capacity = capacity;
        this.entries = Memory.allocateDirect(LibC.runtime(), (long) capacity * ENTRY_BYTES, true);
    }

    /** Empties the set. */
    public void clear() {
        count = 0;
    }

    /** Adds {@code fd}, waited for {@code events} ({@link FdPoller#READABLE}, {@link FdPoller#WRITABLE}); its index. */
    public int add(Fd fd, short events) {
        if (count == capacity) throw new IllegalStateException("a poll set of " + capacity + " is full");
        long at = (long) count * ENTRY_BYTES;
        entries.putInt(at, fd.number());
        entries.putShort(at + 4, events);
        entries.putShort(at + 6, (short) 0);
        return count++;
    }

    /**
     * Waits until one of the descriptors is ready (or has an error or hang-up, which its next call tells), at
     * most {@code timeoutMillis}. A signal that interrupts the wait counts as nothing ready.
     *
     * @return whether any is ready
     */
    public boolean poll(int timeoutMillis) throws OsException {
        int ready = LibC.get().poll(entries, count, timeoutMillis);
        if (ready >= 0) return ready > 0;
        int errno = LibC.errno();
        if (errno == LibC.EINTR) return false;
        throw new OsException("poll", errno);
    }

    /** Whether the descriptor at {@code index} was found ready (or failed) by the last {@link #poll}. */
    public boolean isReady(int index) {
        return entries.getShort((long) index * ENTRY_BYTES + 6) != 0;
    }
}
