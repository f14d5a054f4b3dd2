package dev.coproc.shm;

import java.nio.MappedByteBuffer;

/** Leaves a queue as a process killed at the worst moment would: tests only. */
public final class QueueRingFaults {
    private QueueRingFaults() {}

    /** The identity {@code pid} has now (pid and start time), as a lock owner word holds it. */
    public static long identityOf(long pid) {
        return ProcessIdentity.of(pid);
    }

    /** The lock taken by {@code owner}, a process that then died. */
    public static void lockedBy(QueueRing ring, long owner) {
        QueueRing.LONG.setVolatile(ring.memory().buffer(), QueueRing.O_OWNER, owner);
    }

    /**
     * {@code owner} put {@code message} and committed the put, then died before applying it and releasing the
     * lock: the message must appear, once, when the next process takes the lock over.
     */
    public static void diedAfterCommittingPut(QueueRing ring, long owner, byte[] message) {
        MappedByteBuffer buffer = ring.memory().buffer();
        lockedBy(ring, owner);
        long head = (long) QueueRing.LONG.getVolatile(buffer, QueueRing.O_HEAD);
        long tail = (long) QueueRing.LONG.getVolatile(buffer, QueueRing.O_TAIL);
        long count = (long) QueueRing.LONG.getVolatile(buffer, QueueRing.O_COUNT);
        long unfinished = (long) QueueRing.LONG.getVolatile(buffer, QueueRing.O_UNFINISHED);
        int position = QueueRing.HEADER + (int) (tail % (buffer.capacity() - QueueRing.HEADER));
        buffer.putInt(position, message.length);
        buffer.put(position + 4, message, 0, message.length);
        long record = (4 + message.length + 7) & ~7L;
        QueueRing.LONG.setVolatile(buffer, QueueRing.O_INTENT + 8, head);
        QueueRing.LONG.setVolatile(buffer, QueueRing.O_INTENT + 16, tail + record);
        QueueRing.LONG.setVolatile(buffer, QueueRing.O_INTENT + 24, count + 1);
        QueueRing.LONG.setVolatile(buffer, QueueRing.O_INTENT + 32, unfinished + 1);
        QueueRing.LONG.setVolatile(buffer, QueueRing.O_INTENT, 1L);
    }
}
