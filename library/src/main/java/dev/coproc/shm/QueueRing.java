package dev.coproc.shm;

import dev.coproc.os.OsException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;

/**
 * A multi-producer, multi-consumer queue of byte messages in {@link SharedMemory}, usable at once by every
 * process that maps it.
 *
 * <p>Layout: a 4 KiB header, then a ring of records ({@code int length}, the bytes, padding to 8; a length of
 * -1 marks the ring's end as unused). Positions are monotonic 64-bit byte counts.
 *
 * <p>Operations hold a short lock whose word names the owning process (pid and start time). A process killed
 * while holding it cannot leave the queue locked: a waiter that finds the owner dead takes the lock over.
 * Nor can it leave the queue half-changed: every change is first written as an intent (the new head, tail,
 * count and unfinished count), committed by one store, then applied; the next owner re-applies a committed
 * intent. So a producer killed in {@code put} either put its message or did not, a consumer killed in
 * {@code get} either took the message or left it for the others, and nobody else's message is lost or doubled.
 *
 * <p>Waiting is an event count per condition (not empty, not full, all done): a waiter registers, reads the
 * count, re-checks, and sleeps on the count's futex word; a change bumps the count and wakes the sleepers only
 * when somebody registered.
 */
public final class QueueRing {
    /** {@link #put} results. */
    public static final int PUT = 0;
    public static final int FULL = 1;
    public static final int CLOSED = 2;

    /** Conditions to wait for. */
    public static final int NOT_EMPTY = 0;
    public static final int NOT_FULL = 1;
    public static final int ALL_DONE = 2;

    private static final int MAGIC = 0x43505131; // "CPQ1"
    static final int HEADER = 4096;
    private static final int O_MAGIC = 0;
    private static final int O_CAPACITY = 8;
    private static final int O_DATA_BYTES = 16;
    static final int O_OWNER = 64;
    private static final int O_LOCK_SEQ = 72;
    private static final int O_LOCK_WAITERS = 76;
    static final int O_HEAD = 128;
    static final int O_TAIL = 136;
    static final int O_COUNT = 144;
    static final int O_UNFINISHED = 152;
    private static final int O_CLOSED = 160;
    static final int O_INTENT = 192; // committed flag, then head, tail, count, unfinished
    /** Each condition's sequence word and waiter count, a cache line apart. */
    private static final int O_CONDITIONS = 256;
    private static final int WRAP = -1;

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final SharedMemory memory;
    private final MappedByteBuffer buffer;
    private final int dataBytes;
    private final long capacity;

    private QueueRing(SharedMemory memory) {
        this.memory = memory;
        this.buffer = memory.buffer();
        if ((int) INT.getVolatile(buffer, O_MAGIC) != MAGIC) throw new IllegalStateException("not a coproc queue");
        this.dataBytes = (int) (long) LONG.getVolatile(buffer, O_DATA_BYTES);
        this.capacity = (long) LONG.getVolatile(buffer, O_CAPACITY);
        if (dataBytes <= 0 || HEADER + (long) dataBytes > buffer.capacity()) throw new IllegalStateException("corrupted queue header");
    }

    /** A new queue of at most {@code capacity} messages whose records fit in {@code dataBytes}. */
    public static QueueRing create(long capacity, int dataBytes) throws OsException {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be positive: " + capacity);
        if (dataBytes < 64 || dataBytes % 8 != 0) throw new IllegalArgumentException("dataBytes must be a multiple of 8, at least 64: " + dataBytes);
        SharedMemory memory = SharedMemory.create("queue", HEADER + (long) dataBytes);
        MappedByteBuffer buffer = memory.buffer();
        LONG.setVolatile(buffer, O_CAPACITY, capacity);
        LONG.setVolatile(buffer, O_DATA_BYTES, (long) dataBytes);
        INT.setVolatile(buffer, O_MAGIC, MAGIC);
        return new QueueRing(memory);
    }

    /** The queue in {@code memory}, created by another process. */
    public static QueueRing open(SharedMemory memory) {
        return new QueueRing(memory);
    }

    public SharedMemory memory() {
        return memory;
    }

    public long capacity() {
        return capacity;
    }

    /** The largest message that can ever fit. */
    public int maxMessageBytes() {
        return dataBytes - 8;
    }

    /** Messages in the queue now. */
    public long size() {
        return (long) LONG.getVolatile(buffer, O_COUNT);
    }

    public boolean isClosed() {
        return (int) INT.getVolatile(buffer, O_CLOSED) != 0;
    }

    /** Messages put and not yet marked done ({@link #taskDone}). */
    public long unfinished() {
        return (long) LONG.getVolatile(buffer, O_UNFINISHED);
    }

    /**
     * Appends {@code length} bytes of {@code message} unless the queue is full or closed.
     *
     * @return {@link #PUT}, {@link #FULL} or {@link #CLOSED}
     */
    public int put(byte[] message, int offset, int length) {
        int record = align8(4 + length);
        if (record > dataBytes) throw new IllegalArgumentException("a message of " + length + " bytes cannot fit in a queue buffer of " + dataBytes);
        lock();
        try {
            if (isClosed()) return CLOSED;
            long head = (long) LONG.getVolatile(buffer, O_HEAD);
            long tail = (long) LONG.getVolatile(buffer, O_TAIL);
            long count = (long) LONG.getVolatile(buffer, O_COUNT);
            if (count >= capacity) return FULL;
            int position = (int) (tail % dataBytes);
            int toEnd = dataBytes - position;
            long used = record <= toEnd ? record : toEnd + (long) record;
            if (tail + used - head > dataBytes) return FULL;
            if (record > toEnd) {
                buffer.putInt(HEADER + position, WRAP);
                position = 0;
            }
            buffer.putInt(HEADER + position, length);
            buffer.put(HEADER + position + 4, message, offset, length);
            commit(head, tail + used, count + 1, unfinished() + 1);
        } finally {
            unlock();
        }
        signal(NOT_EMPTY);
        return PUT;
    }

    /** Takes the oldest message; null when the queue is empty. */
    public byte[] get() {
        byte[] message;
        lock();
        try {
            long count = (long) LONG.getVolatile(buffer, O_COUNT);
            if (count == 0) return null;
            long head = (long) LONG.getVolatile(buffer, O_HEAD);
            int position = (int) (head % dataBytes);
            int length = buffer.getInt(HEADER + position);
            if (length == WRAP) {
                head += dataBytes - position;
                position = 0;
                length = buffer.getInt(HEADER);
            }
            if (length < 0 || length > dataBytes - 4 - position) throw new IllegalStateException("corrupted queue record at " + head + ": length " + length);
            message = new byte[length];
            buffer.get(HEADER + position + 4, message, 0, length);
            commit(head + align8(4 + length), (long) LONG.getVolatile(buffer, O_TAIL), count - 1, unfinished());
        } finally {
            unlock();
        }
        signal(NOT_FULL);
        return message;
    }

    /** Marks one message done; false (and nothing changes) when none is unfinished. */
    public boolean taskDone() {
        long left;
        lock();
        try {
            long unfinished = unfinished();
            if (unfinished <= 0) return false;
            left = unfinished - 1;
            commit((long) LONG.getVolatile(buffer, O_HEAD), (long) LONG.getVolatile(buffer, O_TAIL), size(), left);
        } finally {
            unlock();
        }
        if (left == 0) signal(ALL_DONE);
        return true;
    }

    /** No more puts, anywhere; waiting getters wake to drain what is left. Idempotent. */
    public void close() {
        lock();
        try {
            INT.setVolatile(buffer, O_CLOSED, 1);
        } finally {
            unlock();
        }
        for (int condition = NOT_EMPTY; condition <= ALL_DONE; condition++) bump(condition);
    }

    // Waiting: register, read the sequence, re-check, sleep while the sequence is unchanged, unregister.

    /** Counts this caller among the condition's waiters, so that the next change wakes sleepers. */
    public void register(int condition, int delta) {
        INT.getAndAdd(buffer, O_CONDITIONS + condition * 64 + 4, delta);
    }

    /** The condition's sequence now. */
    public int sequence(int condition) {
        return (int) INT.getVolatile(buffer, O_CONDITIONS + condition * 64);
    }

    /** Sleeps while the condition's sequence is still {@code seen}, at most {@code timeoutNanos} (negative: no limit). */
    public void await(int condition, int seen, long timeoutNanos) {
        Futex.await(memory.address() + O_CONDITIONS + condition * 64, seen, timeoutNanos);
    }

    /** Wakes this process's own sleeper on {@code condition}, e.g. to let its thread see a local change. */
    public void bump(int condition) {
        INT.getAndAdd(buffer, O_CONDITIONS + condition * 64, 1);
        Futex.wake(memory.address() + O_CONDITIONS + condition * 64, Integer.MAX_VALUE);
    }

    private void signal(int condition) {
        if ((int) INT.getVolatile(buffer, O_CONDITIONS + condition * 64 + 4) > 0) bump(condition);
    }

    // The lock.

    private void lock() {
        long self = ProcessIdentity.self();
        for (int i = 0; i < 64; i++) {
            if (LONG.compareAndSet(buffer, O_OWNER, 0L, self)) return;
            Thread.onSpinWait();
        }
        for (int i = 0; i < 32; i++) {
            if (LONG.compareAndSet(buffer, O_OWNER, 0L, self)) return;
            Thread.yield();
        }
        while (true) {
            int seen = (int) INT.getVolatile(buffer, O_LOCK_SEQ);
            if (LONG.compareAndSet(buffer, O_OWNER, 0L, self)) return;
            INT.getAndAdd(buffer, O_LOCK_WAITERS, 1);
            Futex.await(memory.address() + O_LOCK_SEQ, seen, OWNER_CHECK_NANOS);
            INT.getAndAdd(buffer, O_LOCK_WAITERS, -1);
            long owner = (long) LONG.getVolatile(buffer, O_OWNER);
            if (owner != 0 && !ProcessIdentity.isAlive(owner) && LONG.compareAndSet(buffer, O_OWNER, owner, self)) {
                recover();
                return;
            }
        }
    }

    /** How long a waiter sleeps before it checks whether the lock's owner is still alive. */
    private static final long OWNER_CHECK_NANOS = 20_000_000;

    private void unlock() {
        LONG.setVolatile(buffer, O_OWNER, 0L);
        if ((int) INT.getVolatile(buffer, O_LOCK_WAITERS) > 0) {
            INT.getAndAdd(buffer, O_LOCK_SEQ, 1);
            Futex.wake(memory.address() + O_LOCK_SEQ, 1);
        }
    }

    private void commit(long head, long tail, long count, long unfinished) {
        LONG.setVolatile(buffer, O_INTENT + 8, head);
        LONG.setVolatile(buffer, O_INTENT + 16, tail);
        LONG.setVolatile(buffer, O_INTENT + 24, count);
        LONG.setVolatile(buffer, O_INTENT + 32, unfinished);
        LONG.setVolatile(buffer, O_INTENT, 1L);
        apply();
    }

    private void apply() {
        LONG.setVolatile(buffer, O_HEAD, (long) LONG.getVolatile(buffer, O_INTENT + 8));
        LONG.setVolatile(buffer, O_TAIL, (long) LONG.getVolatile(buffer, O_INTENT + 16));
        LONG.setVolatile(buffer, O_COUNT, (long) LONG.getVolatile(buffer, O_INTENT + 24));
        LONG.setVolatile(buffer, O_UNFINISHED, (long) LONG.getVolatile(buffer, O_INTENT + 32));
        LONG.setVolatile(buffer, O_INTENT, 0L);
    }

    /** The previous owner died holding the lock: finish the change it had committed, if any. */
    private void recover() {
        if ((long) LONG.getVolatile(buffer, O_INTENT) == 1L) apply();
        // Whatever it did not commit is as if it never happened; a waiter it may have left registered only
        // costs a few extra wake-ups.
        for (int condition = NOT_EMPTY; condition <= ALL_DONE; condition++) bump(condition);
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }
}
