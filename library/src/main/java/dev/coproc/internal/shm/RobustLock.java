package dev.coproc.internal.shm;

/**
 * A lock word in a {@link SharedSegment} that a process's death cannot leave locked: it holds its owner's
 * {@linkplain ProcessIdentity identity}, and anybody who finds that owner dead marks the lock
 * {@linkplain #ABANDONED abandoned}; the next acquirer takes it and learns that the previous owner died, as
 * from a robust pthread mutex's {@code EOWNERDEAD}.
 *
 * <p>The uncontended path is one compare-and-set to acquire and one store to release. Waiting is the
 * caller's business, on the {@link Bell} that follows the lock word.
 */
public final class RobustLock {
    /** The owner word's value when the lock is free because its owner died holding it. */
    static final long ABANDONED = -1L;
    /** Bytes a lock takes: the owner word, the died flag, and its bell on the next cache line. */
    public static final int BYTES = 128;
    private static final int OWNER = 0;
    private static final int DIED = 8;
    private static final int BELL = 64;

    private final SharedSegment segment;
    private final int offset;
    private final Bell bell;

    public RobustLock(SharedSegment segment, int offset) {
        this.segment = segment;
        this.offset = offset;
        this.bell = new Bell(segment, offset + BELL);
    }

    public Bell bell() {
        return bell;
    }

    /** Takes the lock if it is free (or abandoned) now. */
    public boolean tryAcquire() {
        long self = ProcessIdentity.self();
        if (segment.compareAndSetLong(offset + OWNER, 0L, self)) return true;
        if (segment.getLong(offset + OWNER) == ABANDONED && segment.compareAndSetLong(offset + OWNER, ABANDONED, self)) {
            segment.setInt(offset + DIED, 1);
            return true;
        }
        return false;
    }

    /**
     * Frees the lock and wakes a waiter; false (and nothing changes) when it was not locked. Any process may
     * release it, as Python's {@code Lock}: it belongs to no thread.
     */
    public boolean release() {
        while (true) {
            long owner = segment.getLong(offset + OWNER);
            if (owner == 0L || owner == ABANDONED) return false;
            // Read first: the store is a fence, and the flag is almost always clear already.
            if (segment.getInt(offset + DIED) != 0) segment.setInt(offset + DIED, 0);
            if (segment.compareAndSetLong(offset + OWNER, owner, 0L)) break;
        }
        bell.ring();
        return true;
    }

    /** True while held; the holder's process identity is {@link #ownerPid}. */
    public boolean isLocked() {
        long owner = segment.getLong(offset + OWNER);
        return owner != 0L && owner != ABANDONED;
    }

    /** True when this process holds it. */
    public boolean isHeldHere() {
        return segment.getLong(offset + OWNER) == ProcessIdentity.self();
    }

    /** The pid of the holding process, or 0. */
    public long ownerPid() {
        long owner = segment.getLong(offset + OWNER);
        return owner == 0L || owner == ABANDONED ? 0 : ProcessIdentity.pid(owner);
    }

    /** For the holder: true when it took the lock over from a process that died holding it. */
    public boolean previousOwnerDied() {
        return segment.getInt(offset + DIED) != 0;
    }

    /**
     * Marks the lock abandoned if its owner died (and wakes the waiters, who may take it now); true if it did.
     * Reads {@code /proc}: waiters call it when a wait has lasted a while, not on every attempt.
     */
    public boolean recoverIfOwnerDied() {
        long owner = segment.getLong(offset + OWNER);
        if (owner == 0L || owner == ABANDONED || owner == ProcessIdentity.self() || ProcessIdentity.isAlive(owner)) return false;
        if (!segment.compareAndSetLong(offset + OWNER, owner, ABANDONED)) return false;
        bell.bump();
        return true;
    }
}
