package dev.coproc.internal.shm;

/**
 * Where processes sleep until a shared object changes: an event count in a {@link SharedSegment} (a
 * sequence word and the number of registered sleepers).
 *
 * <p>A waiter {@linkplain #register registers}, reads the {@linkplain #sequence sequence}, checks its
 * condition, and {@linkplain #await sleeps} only while the sequence is unchanged. A changer changes the
 * object, then {@linkplain #ring rings}: if anybody registered, the sequence moves and the sleepers wake.
 * Every step is a sequentially consistent access, so a change made after a waiter's check always sees the
 * waiter registered, and its ring ends the sleep: no wake-up is ever lost, and an object nobody waits on pays
 * one read per change.
 */
public final class Bell {
    private final SharedSegment segment;
    private final int offset;

    /** The bell whose two words are at {@code offset} (8 bytes; best on a cache line of its own). */
    public Bell(SharedSegment segment, int offset) {
        this.segment = segment;
        this.offset = offset;
    }

    public void register(int delta) {
        segment.getAndAddInt(offset + 4, delta);
    }

    public int sequence() {
        return segment.getInt(offset);
    }

    /** Sleeps while the sequence is {@code seen}, at most {@code timeoutNanos} (negative: no limit). Spurious returns happen. */
    public void await(int seen, long timeoutNanos) {
        segment.await(offset, seen, timeoutNanos);
    }

    /** After a change: wakes the sleepers, if any registered. */
    public void ring() {
        if (segment.getInt(offset + 4) > 0) bump();
    }

    /** Moves the sequence and wakes every sleeper, registered or not. */
    public void bump() {
        segment.getAndAddInt(offset, 1);
        segment.wakeAll(offset);
    }
}
