package dev.coproc.internal.shm;

import java.nio.MappedByteBuffer;

/** Leaves a queue as a process killed at the worst moment would: tests only. */
public final class QueueRingFaults {
    private QueueRingFaults() {}

    /** The identity {@code pid} has now (pid and start time), as a lock owner word holds it. */
    public static long identityOf(long pid) {
        return ProcessIdentity.of(pid);
    }

    /** Both locks taken by {@code owner}, a process that then died. */
    public static void lockedBy(QueueRing ring, long owner) {
        QueueRing.LONG.setVolatile(ring.memory().buffer(), QueueRing.PUT_SIDE + QueueRing.OWNER, owner);
        QueueRing.LONG.setVolatile(ring.memory().buffer(), QueueRing.GET_SIDE + QueueRing.OWNER, owner);
    }

    /**
     * {@code owner} put {@code message} and committed the put, then died before applying it and releasing the
     * producers' lock: the message must appear, once, when another process takes the lock over.
     */
    public static void diedAfterCommittingPut(QueueRing ring, long owner, byte[] message) {
        MappedByteBuffer buffer = ring.memory().buffer();
        int side = QueueRing.PUT_SIDE;
        QueueRing.LONG.setVolatile(buffer, side + QueueRing.OWNER, owner);
        long tail = (long) QueueRing.LONG.getVolatile(buffer, side + QueueRing.POSITION);
        long puts = (long) QueueRing.LONG.getVolatile(buffer, side + QueueRing.COUNT);
        int position = QueueRing.HEADER + (int) (tail % (buffer.capacity() - QueueRing.HEADER));
        buffer.putInt(position, message.length);
        buffer.put(position + 4, message, 0, message.length);
        long record = (4 + message.length + 7) & ~7L;
        QueueRing.LONG.setVolatile(buffer, side + QueueRing.INTENT + 8, tail + record);
        QueueRing.LONG.setVolatile(buffer, side + QueueRing.INTENT + 16, puts + 1);
        QueueRing.LONG.setVolatile(buffer, side + QueueRing.INTENT, 1L);
    }
}
