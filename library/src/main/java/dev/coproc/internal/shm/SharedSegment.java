package dev.coproc.internal.shm;

import dev.coproc.internal.os.Futex;
import dev.coproc.internal.os.SharedMemory;

import dev.coproc.internal.os.OsException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;

/**
 * A small block of {@link SharedMemory} holding one shared object (a value, an array, a lock...), read and
 * written as atomic words that every process mapping it sees, with futex sleeps on them.
 *
 * <p>The first word names the object's kind, so that a handle decoded as the wrong kind fails clearly instead
 * of reading another object's words as its own.
 */
public final class SharedSegment implements AutoCloseable {
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle DOUBLE = MethodHandles.byteBufferViewVarHandle(double[].class, ByteOrder.nativeOrder());
    private static final int O_KIND = 0;
    private static final int O_SIZE = 8;

    private final SharedMemory memory;
    private final MappedByteBuffer buffer;
    private final long address;

    private SharedSegment(SharedMemory memory) {
        this.memory = memory;
        this.buffer = memory.buffer();
        this.address = memory.address();
    }

    /** A new zeroed segment of at least {@code bytes}, whole pages, marked as holding a {@code kind}. */
    public static SharedSegment create(String label, int kind, long bytes) throws OsException {
        long pages = (Math.max(bytes, 64) + 4095) / 4096 * 4096;
        SharedSegment segment = new SharedSegment(SharedMemory.create(label, pages));
        segment.setLong(O_SIZE, bytes);
        segment.setInt(O_KIND, kind);
        return segment;
    }

    /** The segment in {@code memory}, created by another process; fails unless it holds a {@code kind}. */
    public static SharedSegment open(SharedMemory memory, int kind) {
        SharedSegment segment = new SharedSegment(memory);
        int found = segment.getInt(O_KIND);
        if (found != kind) {
            memory.close();
            throw new IllegalStateException("the shared memory handed over holds kind " + Integer.toHexString(found) + ", not " + Integer.toHexString(kind));
        }
        return segment;
    }

    public SharedMemory memory() {
        return memory;
    }

    /** The size asked for at creation (the mapping is rounded up to whole pages). */
    public long size() {
        return getLong(O_SIZE);
    }

    // Sequentially consistent word access: what a user expects of a shared value.

    public int getInt(int offset) {
        return (int) INT.getVolatile(buffer, offset);
    }

    public void setInt(int offset, int value) {
        INT.setVolatile(buffer, offset, value);
    }

    public boolean compareAndSetInt(int offset, int expected, int value) {
        return INT.compareAndSet(buffer, offset, expected, value);
    }

    public int getAndAddInt(int offset, int delta) {
        return (int) INT.getAndAdd(buffer, offset, delta);
    }

    public int getAndSetInt(int offset, int value) {
        return (int) INT.getAndSet(buffer, offset, value);
    }

    public long getLong(int offset) {
        return (long) LONG.getVolatile(buffer, offset);
    }

    public void setLong(int offset, long value) {
        LONG.setVolatile(buffer, offset, value);
    }

    public boolean compareAndSetLong(int offset, long expected, long value) {
        return LONG.compareAndSet(buffer, offset, expected, value);
    }

    public long getAndAddLong(int offset, long delta) {
        return (long) LONG.getAndAdd(buffer, offset, delta);
    }

    public long getAndSetLong(int offset, long value) {
        return (long) LONG.getAndSet(buffer, offset, value);
    }

    public double getDouble(int offset) {
        return (double) DOUBLE.getVolatile(buffer, offset);
    }

    public void setDouble(int offset, double value) {
        DOUBLE.setVolatile(buffer, offset, value);
    }

    /** Compares the bits, as {@link java.util.concurrent.atomic.AtomicLong} on {@code doubleToRawLongBits} would. */
    public boolean compareAndSetDouble(int offset, double expected, double value) {
        return LONG.compareAndSet(buffer, offset, Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(value));
    }

    public double getAndSetDouble(int offset, double value) {
        return Double.longBitsToDouble((long) LONG.getAndSet(buffer, offset, Double.doubleToRawLongBits(value)));
    }

    // Bytes: copies with no ordering of their own; callers that need a consistent whole hold the segment's lock.

    public byte getByte(int offset) {
        return buffer.get(offset);
    }

    public void setByte(int offset, byte value) {
        buffer.put(offset, value);
    }

    public void read(int offset, byte[] into, int at, int length) {
        VarHandle.acquireFence();
        buffer.get(offset, into, at, length);
    }

    public void write(int offset, byte[] from, int at, int length) {
        buffer.put(offset, from, at, length);
        VarHandle.releaseFence();
    }

    /** A full fence, for byte copies that must be ordered against the atomic words around them. */
    public static void fence() {
        VarHandle.fullFence();
    }

    // Bulk copies of primitive elements, ordered against the atomic words around them as {@link #read}/{@link #write}.

    public void readInts(int offset, int[] into, int at, int count) {
        VarHandle.acquireFence();
        buffer.slice(offset, count * 4).order(ByteOrder.nativeOrder()).asIntBuffer().get(into, at, count);
    }

    public void writeInts(int offset, int[] from, int at, int count) {
        buffer.slice(offset, count * 4).order(ByteOrder.nativeOrder()).asIntBuffer().put(from, at, count);
        VarHandle.releaseFence();
    }

    public void readLongs(int offset, long[] into, int at, int count) {
        VarHandle.acquireFence();
        buffer.slice(offset, count * 8).order(ByteOrder.nativeOrder()).asLongBuffer().get(into, at, count);
    }

    public void writeLongs(int offset, long[] from, int at, int count) {
        buffer.slice(offset, count * 8).order(ByteOrder.nativeOrder()).asLongBuffer().put(from, at, count);
        VarHandle.releaseFence();
    }

    public void readDoubles(int offset, double[] into, int at, int count) {
        VarHandle.acquireFence();
        buffer.slice(offset, count * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer().get(into, at, count);
    }

    public void writeDoubles(int offset, double[] from, int at, int count) {
        buffer.slice(offset, count * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer().put(from, at, count);
        VarHandle.releaseFence();
    }

    /** Sleeps while the int at {@code offset} holds {@code seen}, at most {@code timeoutNanos} (negative: no limit). */
    public void await(int offset, int seen, long timeoutNanos) {
        Futex.await(address + offset, seen, timeoutNanos);
    }

    /** Wakes every thread, in any process, sleeping on the int at {@code offset}. */
    public void wakeAll(int offset) {
        Futex.wake(address + offset, Integer.MAX_VALUE);
    }

    /** Closes this process's descriptor; see {@link SharedMemory#close()}. */
    @Override
    public void close() {
        memory.close();
    }
}
