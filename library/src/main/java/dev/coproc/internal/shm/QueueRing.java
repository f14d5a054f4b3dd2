package dev.coproc.internal.shm;

import dev.coproc.internal.os.Futex;
import dev.coproc.internal.os.SharedMemory;

import dev.coproc.internal.os.OsException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;

/**
 * A multi-producer, multi-consumer queue of byte messages in {@link SharedMemory}, usable at once by every
 * process that maps it.
 *
 * <p>Layout: a 4 KiB header, then a ring of records ({@code int length}, the bytes, padding to 8). A pipe's ring also
 * carries pieces of messages too long for one record ({@link #putPiece}): its receiver puts them back together.
 * Positions are
 * monotonic 64-bit byte counts. A record's bytes run on past the ring's end to its start, so a message fits
 * whenever that many bytes are free, contiguous or not: in an empty ring, any message up to
 * {@link #maxMessageBytes}, wherever the positions stand. (The length word itself never straddles the end:
 * records start at multiples of 8, and the ring's size is one.)
 *
 * <p>Producers and consumers each hold their own short lock (two-lock queue: a put and a get never wait for
 * each other), whose word names the owning process (pid and start time). A process killed while holding one
 * cannot leave the queue locked: a waiter that finds the owner dead takes the lock over. Nor can it leave its
 * side half-changed: a change is first written as an intent (the new position and count), committed by one
 * store, then applied; the next owner re-applies a committed intent. So a producer killed in {@code put}
 * either put its message or did not, a consumer killed in {@code get} either took the message or left it for
 * the others, and nobody else's message is lost or doubled. Marking done is one compare-and-set.
 *
 * <p>Waiting is an event count per condition (not empty, not full, all done): a waiter registers, reads the
 * count, arms the condition, re-checks, and sleeps on the count's futex word; a change bumps the count and
 * wakes the sleepers only when somebody registered and armed it since the last bump.
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
    /**
     * A pipe's receiver sleeping on its socket rather than on a futex: a producer that finds it armed
     * ({@link #takeArmed}) wakes it through the socket. Queues never arm it.
     */
    public static final int DOORBELL = 3;

    /** What {@link #get(int, PieceSink)} returns when the next message is longer than asked for; it stays, see {@link #refusedLength}. */
    public static final byte[] TOO_LONG = new byte[0];
    /** What {@link #get(int, PieceSink)} returns once it handed a piece to its sink. */
    public static final byte[] PIECE = new byte[0];
    /** A piece's length word: this bit (no message length is negative), then the record's length (head and bytes). */
    private static final int PIECE_FLAG = Integer.MIN_VALUE;
    /**
     * Bytes before a piece's own: the id of the message it belongs to, the sending process
     * ({@link ProcessIdentity}), the message's whole length and where in it the piece goes.
     */
    public static final int PIECE_HEAD = 24;
    private static final VarHandle HEAD_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle HEAD_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());

    /**
     * Where {@link #get(int, PieceSink)} hands the pieces of long messages, under the consumers' lock: the
     * sink copies the piece's bytes out with {@link #copyPiece} before it returns, or throws to leave the piece
     * in the ring.
     */
    public interface PieceSink {
        void piece(long message, long sender, int total, int at, int length, QueueRing ring);
    }

    private static final int MAGIC = 0x43505134; // "CPQ4": records wrap around the ring's end; pieces of long messages
    static final int HEADER = 4096;
    private static final int O_MAGIC = 0;
    private static final int O_CAPACITY = 8;
    private static final int O_DATA_BYTES = 16;
    private static final int O_CLOSED = 24;
    /** The producers' lock (owner, sequence, waiters), then their side: tail, put count, intent. */
    static final int PUT_SIDE = 128;
    /** The consumers' lock, then their side: head, get count, intent. */
    static final int GET_SIDE = 256;
    /** Offsets within a side; each side fills its own cache lines, so producers and consumers rarely share one. */
    static final int OWNER = 0;
    private static final int LOCK_SEQ = 8;
    private static final int LOCK_WAITERS = 12;
    static final int POSITION = 64;
    static final int COUNT = 72;
    static final int INTENT = 80; // committed flag, then position, then count
    private static final int O_DONE_COUNT = 384;
    /** Ring positions below this were given back to the system (whole chunks behind the consumers). */
    private static final int O_RELEASED = 392;
    /** Each condition's sequence word and waiter count, a cache line apart. */
    private static final int O_CONDITIONS = 512;
    /** Consumed memory goes back to the system a chunk at a time, so a big ring costs only what it holds. */
    static final int CHUNK = 1 << 20;

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final SharedMemory memory;
    private final MappedByteBuffer buffer;
    private final int dataBytes;
    private final long capacity;
    private final boolean releasesMemory;
    /**
     * The other side's counters as this process last read them, under this side's lock. They only grow, so a
     * stale value is a safe bound: a consumer re-reads the put count only when it has taken every item it
     * knew of, a producer re-reads the consumers' position only when the queue looks full. Each re-read
     * pulls a cache line from the other core; skipping it is most of the speed of a busy queue.
     */
    private long knownPuts;
    private long knownGets;
    private long knownHead;
    /** The length of the message the last {@link #get(int, PieceSink)} refused as too long. */
    private int refusedLength;
    /** A piece's head, read under the consumers' lock. */
    private final byte[] getHead = new byte[PIECE_HEAD];
    /** The piece a sink is being handed: where its bytes start in the ring, and how many; -1 outside a sink. */
    private int pieceFrom = -1;
    private int pieceLength;

    private QueueRing(SharedMemory memory) {
        this.memory = memory;
        this.buffer = memory.buffer();
        if ((int) INT.getVolatile(buffer, O_MAGIC) != MAGIC) throw new IllegalStateException("not a coproc queue");
        this.dataBytes = (int) (long) LONG.getVolatile(buffer, O_DATA_BYTES);
        this.capacity = (long) LONG.getVolatile(buffer, O_CAPACITY);
        if (dataBytes <= 0 || HEADER + (long) dataBytes > buffer.capacity()) throw new IllegalStateException("corrupted queue header");
        this.releasesMemory = dataBytes % CHUNK == 0 && dataBytes >= 4 * CHUNK;
    }

    /** A new queue of at most {@code capacity} messages whose records fit in {@code dataBytes}. */
    public static QueueRing create(long capacity, int dataBytes) throws OsException {
        return create(capacity, dataBytes, "queue");
    }

    /** A new queue, as {@link #create(long, int)}, whose memory shows as {@code memfd:coproc-<label>}. */
    public static QueueRing create(long capacity, int dataBytes, String label) throws OsException {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be positive: " + capacity);
        if (dataBytes < 64 || dataBytes % 8 != 0) throw new IllegalArgumentException("dataBytes must be a multiple of 8, at least 64: " + dataBytes);
        SharedMemory memory = SharedMemory.create(label, HEADER + (long) dataBytes);
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

    /** The largest message that can ever fit: in an empty queue, one always does. */
    public int maxMessageBytes() {
        return dataBytes - 8;
    }

    /** Messages in the queue now. */
    public long size() {
        long got = (long) LONG.getAcquire(buffer, GET_SIDE + COUNT);
        return (long) LONG.getAcquire(buffer, PUT_SIDE + COUNT) - got;
    }

    public boolean isClosed() {
        return (int) INT.getVolatile(buffer, O_CLOSED) != 0;
    }

    /** Messages put and not yet marked done ({@link #taskDone}). */
    public long unfinished() {
        long done = (long) LONG.getAcquire(buffer, O_DONE_COUNT);
        return (long) LONG.getAcquire(buffer, PUT_SIDE + COUNT) - done;
    }

    /**
     * True if a message of {@code length} bytes would fit now, by count and by bytes (a snapshot, for waiters
     * deciding whether to sleep; {@link #put} decides under the lock).
     */
    public boolean hasRoomFor(int length) {
        long gets = (long) LONG.getAcquire(buffer, GET_SIDE + COUNT);
        long head = (long) LONG.getAcquire(buffer, GET_SIDE + POSITION);
        long tail = (long) LONG.getAcquire(buffer, PUT_SIDE + POSITION);
        long puts = (long) LONG.getAcquire(buffer, PUT_SIDE + COUNT);
        if (puts - gets >= capacity) return false;
        return tail + align8(4 + length) - head <= dataBytes;
    }

    /**
     * Appends {@code length} bytes of {@code message} unless the queue is full or closed.
     *
     * @return {@link #PUT}, {@link #FULL} or {@link #CLOSED}
     */
    public int put(byte[] message, int offset, int length) {
        if (length < 0 || length > maxMessageBytes()) throw new IllegalArgumentException("a message of " + length + " bytes cannot fit in a queue buffer of " + dataBytes);
        return putRecord(length, message, offset, length, null, 0, 0);
    }

    /**
     * Appends a piece of a message too long for one record: {@code length} bytes of {@code data} from
     * {@code offset}, which go at {@code at} in message {@code message} of {@code total} bytes, sent by
     * {@code sender}. A piece is put whole or not at all, as a message is; {@link #put}'s results.
     */
    public int putPiece(long message, long sender, int total, int at, byte[] data, int offset, int length) {
        int record = PIECE_HEAD + length;
        if (length <= 0 || record > maxMessageBytes()) throw new IllegalArgumentException("a piece of " + length + " bytes cannot fit in a queue buffer of " + dataBytes);
        byte[] head = new byte[PIECE_HEAD];
        HEAD_LONG.set(head, 0, message);
        HEAD_LONG.set(head, 8, sender);
        HEAD_INT.set(head, 16, total);
        HEAD_INT.set(head, 20, at);
        return putRecord(PIECE_FLAG | record, head, 0, PIECE_HEAD, data, offset, length);
    }

    /** Appends a record of {@code first}'s bytes then {@code second}'s, under the length word {@code lengthWord}. */
    private int putRecord(int lengthWord, byte[] first, int firstOffset, int firstLength, byte[] second, int secondOffset, int secondLength) {
        int record = align8(4 + firstLength + secondLength);
        lock(PUT_SIDE);
        try {
            if (isClosed()) return CLOSED;
            long tail = (long) LONG.getAcquire(buffer, PUT_SIDE + POSITION);
            long puts = (long) LONG.getAcquire(buffer, PUT_SIDE + COUNT);
            if (puts - knownGets >= capacity || tail + record - knownHead > dataBytes) {
                // Looks full: see how far the consumers got (they may move on meanwhile, which only frees more).
                knownGets = (long) LONG.getAcquire(buffer, GET_SIDE + COUNT);
                knownHead = (long) LONG.getAcquire(buffer, GET_SIDE + POSITION);
                if (puts - knownGets >= capacity || tail + record - knownHead > dataBytes) return FULL;
            }
            int position = (int) (tail % dataBytes);
            buffer.putInt(HEADER + position, lengthWord);
            // What does not fit before the ring's end goes at its start: free bytes, up to the head.
            write(write(position + 4, first, firstOffset, firstLength), second, secondOffset, secondLength);
            commit(PUT_SIDE, tail + record, puts + 1);
        } finally {
            unlock(PUT_SIDE);
        }
        signal(NOT_EMPTY);
        return PUT;
    }

    /** Writes {@code length} bytes at {@code at} in the ring, going on at its start; returns where they end. */
    private int write(int at, byte[] source, int offset, int length) {
        if (length == 0) return at;
        int first = Math.min(length, dataBytes - at);
        buffer.put(HEADER + at, source, offset, first);
        if (first < length) buffer.put(HEADER, source, offset + first, length - first);
        return (int) (((long) at + length) % dataBytes);
    }

    /** Reads {@code length} bytes at {@code at} in the ring, going on at its start; returns where they end. */
    private int read(int at, byte[] destination, int offset, int length) {
        if (length == 0) return at;
        int first = Math.min(length, dataBytes - at);
        buffer.get(HEADER + at, destination, offset, first);
        if (first < length) buffer.get(HEADER, destination, offset + first, length - first);
        return (int) (((long) at + length) % dataBytes);
    }

    /** Takes the oldest message; null when the queue is empty. */
    public byte[] get() {
        return take(Integer.MAX_VALUE, null);
    }

    /**
     * Takes the oldest message if it is at most {@code maxLength} bytes, handing pieces to {@code sink}: null
     * when the queue is empty, {@link #PIECE} once {@code sink} took the oldest record's bytes, {@link #TOO_LONG}
     * when the oldest message is longer (it stays first; {@link #refusedLength} says how long). A long message
     * is refused at its first piece, by the length of the whole message.
     */
    public byte[] get(int maxLength, PieceSink sink) {
        return take(maxLength, sink);
    }

    /** During a {@link PieceSink#piece} call: copies the piece's bytes to {@code destination} at {@code offset}. */
    public void copyPiece(byte[] destination, int offset) {
        if (pieceFrom < 0) throw new IllegalStateException("no piece is being taken");
        read(pieceFrom, destination, offset, pieceLength);
    }

    /** {@link #get(int, PieceSink)}; a piece without a sink (in a queue's ring) is a corrupted record. */
    private byte[] take(int maxLength, PieceSink sink) {
        byte[] message;
        lock(GET_SIDE);
        try {
            long gets = (long) LONG.getAcquire(buffer, GET_SIDE + COUNT);
            if (gets >= knownPuts) {
                knownPuts = (long) LONG.getAcquire(buffer, PUT_SIDE + COUNT);
                if (knownPuts == gets) return null;
            }
            long head = (long) LONG.getAcquire(buffer, GET_SIDE + POSITION);
            int position = (int) (head % dataBytes);
            int length = buffer.getInt(HEADER + position);
            if (length < 0 && sink != null) {
                length &= ~PIECE_FLAG;
                if (length <= PIECE_HEAD || length > maxMessageBytes()) throw new IllegalStateException("corrupted queue record at " + head + ": a piece of " + length + " bytes");
                int from = read(position + 4, getHead, 0, PIECE_HEAD);
                int total = (int) HEAD_INT.get(getHead, 16);
                int at = (int) HEAD_INT.get(getHead, 20);
                if (at == 0 && total > maxLength) {
                    refusedLength = total;
                    return TOO_LONG;
                }
                pieceFrom = from;
                pieceLength = length - PIECE_HEAD;
                try {
                    sink.piece((long) HEAD_LONG.get(getHead, 0), (long) HEAD_LONG.get(getHead, 8), total, at, pieceLength, this);
                } finally {
                    pieceFrom = -1;
                }
                message = PIECE;
            } else {
                if (length < 0 || length > maxMessageBytes()) throw new IllegalStateException("corrupted queue record at " + head + ": length " + length);
                if (length > maxLength) {
                    refusedLength = length;
                    return TOO_LONG;
                }
                message = new byte[length];
                read(position + 4, message, 0, length);
            }
            commit(GET_SIDE, head + align8(4 + length), gets + 1);
        } finally {
            unlock(GET_SIDE);
        }
        signal(NOT_FULL);
        if (releasesMemory && (long) LONG.getAcquire(buffer, GET_SIDE + POSITION) - (long) LONG.getAcquire(buffer, O_RELEASED) >= 2L * CHUNK) {
            releaseConsumed();
        }
        return message;
    }

    /**
     * Gives back the whole chunks the consumers have moved past. Under the producers' lock, so that nobody
     * writes while it runs, and only chunks that no producer has reused since (a chunk's next use is a full
     * ring later): what it punches holds nothing anybody will read. A process killed here leaves only free
     * memory punched, and the mark is moved after.
     */
    private void releaseConsumed() {
        lock(PUT_SIDE);
        try {
            long from = (long) LONG.getAcquire(buffer, O_RELEASED);
            long head = (long) LONG.getAcquire(buffer, GET_SIDE + POSITION);
            long tail = (long) LONG.getAcquire(buffer, PUT_SIDE + POSITION);
            long to = head - head % CHUNK;
            if (to - from < CHUNK) return;
            for (long chunk = from; chunk < to; chunk += CHUNK) {
                if (tail <= chunk + dataBytes) memory.release(HEADER + chunk % dataBytes, CHUNK);
            }
            LONG.setRelease(buffer, O_RELEASED, to);
        } finally {
            unlock(PUT_SIDE);
        }
    }

    /** Marks one message done; false (and nothing changes) when none is unfinished. */
    public boolean taskDone() {
        while (true) {
            long done = (long) LONG.getVolatile(buffer, O_DONE_COUNT);
            long puts = (long) LONG.getVolatile(buffer, PUT_SIDE + COUNT);
            if (puts - done <= 0) return false;
            if (LONG.compareAndSet(buffer, O_DONE_COUNT, done, done + 1)) {
                if (puts - done == 1) signal(ALL_DONE);
                return true;
            }
        }
    }

    /** No more puts, anywhere; waiting getters wake to drain what is left. Idempotent. */
    public void close() {
        lock(PUT_SIDE);
        try {
            INT.setVolatile(buffer, O_CLOSED, 1);
        } finally {
            unlock(PUT_SIDE);
        }
        for (int condition = NOT_EMPTY; condition <= ALL_DONE; condition++) bump(condition);
    }

    /**
     * Takes over a lock whose owner died and finishes its committed change. Waiters call it now and then: a
     * producer that died after committing a put, with nobody putting after it, would otherwise leave its
     * message unseen.
     */
    public void recoverAbandoned() {
        for (int side : new int[] {PUT_SIDE, GET_SIDE}) {
            long owner = (long) LONG.getVolatile(buffer, side + OWNER);
            if (owner != 0 && !ProcessIdentity.isAlive(owner) && LONG.compareAndSet(buffer, side + OWNER, owner, ProcessIdentity.self())) {
                recover(side);
                unlock(side);
            }
        }
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

    /**
     * Marks that a registered waiter is about to sleep on the sequence it read. Called after reading it and
     * before re-checking the condition: the next change then wakes it, and only that one change pays for the
     * wake-up system call, not every put while the sleeper is on its way back.
     */
    public void arm(int condition) {
        INT.setVolatile(buffer, O_CONDITIONS + condition * 64 + 8, 1);
    }

    /** The length of the message the last {@link #get(int, PieceSink)} of this process left as {@link #TOO_LONG}. */
    public int refusedLength() {
        return refusedLength;
    }

    /** True when a message or a piece is waiting (a sequentially consistent read, for a sleeper's last look). */
    public boolean hasMessages() {
        return (long) LONG.getVolatile(buffer, PUT_SIDE + COUNT) != (long) LONG.getVolatile(buffer, GET_SIDE + COUNT);
    }

    /**
     * After a change: true, once, when a waiter registered for {@code condition} armed it since the last
     * change; the caller then wakes it its own way ({@link #DOORBELL}: through the pipe's socket).
     */
    public boolean takeArmed(int condition) {
        int base = O_CONDITIONS + condition * 64;
        return (int) INT.getVolatile(buffer, base + 4) > 0 && (int) INT.getAndSet(buffer, base + 8, 0) == 1;
    }

    private void signal(int condition) {
        if (takeArmed(condition)) bump(condition);
    }

    // The locks.

    private void lock(int side) {
        long self = ProcessIdentity.self();
        for (int i = 0; i < 64; i++) {
            if (LONG.compareAndSet(buffer, side + OWNER, 0L, self)) return;
            Thread.onSpinWait();
        }
        for (int i = 0; i < 32; i++) {
            if (LONG.compareAndSet(buffer, side + OWNER, 0L, self)) return;
            Thread.yield();
        }
        while (true) {
            int seen = (int) INT.getVolatile(buffer, side + LOCK_SEQ);
            if (LONG.compareAndSet(buffer, side + OWNER, 0L, self)) return;
            INT.getAndAdd(buffer, side + LOCK_WAITERS, 1);
            Futex.await(memory.address() + side + LOCK_SEQ, seen, OWNER_CHECK_NANOS);
            INT.getAndAdd(buffer, side + LOCK_WAITERS, -1);
            long owner = (long) LONG.getVolatile(buffer, side + OWNER);
            if (owner != 0 && !ProcessIdentity.isAlive(owner) && LONG.compareAndSet(buffer, side + OWNER, owner, self)) {
                recover(side);
                return;
            }
        }
    }

    /** How long a lock waiter sleeps before it checks whether the lock's owner is still alive. */
    private static final long OWNER_CHECK_NANOS = 20_000_000;

    private void unlock(int side) {
        // A full fence: the waiter count read next must not be read before the lock is seen free.
        LONG.setVolatile(buffer, side + OWNER, 0L);
        if ((int) INT.getVolatile(buffer, side + LOCK_WAITERS) > 0) {
            INT.getAndAdd(buffer, side + LOCK_SEQ, 1);
            Futex.wake(memory.address() + side + LOCK_SEQ, 1);
        }
    }

    /**
     * Writes the change as an intent, commits it with one store, applies it, and clears the intent. Release
     * stores keep that order (a later store is never seen before an earlier one) without a full fence each:
     * the lock's compare-and-set and its releasing store are the fences.
     */
    private void commit(int side, long position, long count) {
        LONG.setRelease(buffer, side + INTENT + 8, position);
        LONG.setRelease(buffer, side + INTENT + 16, count);
        LONG.setRelease(buffer, side + INTENT, 1L);
        apply(side, position, count);
    }

    private void apply(int side, long position, long count) {
        LONG.setRelease(buffer, side + POSITION, position);
        LONG.setRelease(buffer, side + COUNT, count);
        LONG.setRelease(buffer, side + INTENT, 0L);
    }

    /** The previous owner died holding the lock: finish the change it had committed, if any. */
    private void recover(int side) {
        if ((long) LONG.getVolatile(buffer, side + INTENT) == 1L) {
            apply(side, (long) LONG.getVolatile(buffer, side + INTENT + 8), (long) LONG.getVolatile(buffer, side + INTENT + 16));
        }
        // Whatever it did not commit is as if it never happened; a waiter it may have left registered only
        // costs a few extra wake-ups.
        for (int condition = NOT_EMPTY; condition <= ALL_DONE; condition++) bump(condition);
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }
}
