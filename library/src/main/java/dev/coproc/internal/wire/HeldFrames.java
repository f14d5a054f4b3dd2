package dev.coproc.internal.wire;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The frames a corked {@link FrameWriter} holds back, mirrored in shared memory that its reader maps too, so a
 * writer that dies holding them (killed, or halted by the task it ran next) leaves them there for the reader to
 * take after the end of the stream, instead of losing them. Each frame is copied before the length that takes
 * it in is stored, so a writer killed mid-copy leaves the frames before it, never a torn one. A frame sent and
 * then found here again (the writer died between its write and the reset) is the reader's to ignore: its
 * replies are answers to ids it no longer waits for.
 */
public final class HeldFrames {
    /** The most bytes of frames held at once. */
    public static final int CAPACITY = 64 * 1024;
    /** The frames start a cache line after the length word. */
    static final int FRAMES = 64;
    /** The size of the shared memory to map. */
    public static final int BYTES = FRAMES + CAPACITY;

    private static final VarHandle LENGTH = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final ByteBuffer memory;

    /** Over {@code memory}, at least {@link #BYTES} long, shared with the reader. */
    public HeldFrames(ByteBuffer memory) {
        if (memory.capacity() < BYTES) throw new IllegalArgumentException("held frames need " + BYTES + " bytes, not " + memory.capacity());
        this.memory = memory;
    }

    /** Mirrors {@code frames[from, to)}, whole frames appended to those held before, and takes them in. */
    void append(byte[] frames, int from, int to) {
        memory.put(FRAMES + from, frames, from, to - from);
        LENGTH.setRelease(memory, 0, to);
    }

    /** After the held frames were sent. */
    void clear() {
        LENGTH.setRelease(memory, 0, 0);
    }

    /**
     * The whole frames held in {@code memory} when their writer ended, in order. A length out of bounds or a
     * frame that fails its checks ends the list there: what the writer left is read as carefully as a stream.
     */
    public static List<Frame> left(ByteBuffer memory, int maxPayload, String peer) {
        int length = (int) LENGTH.getAcquire(memory, 0);
        List<Frame> frames = new ArrayList<>();
        if (length <= 0 || length > CAPACITY) return frames;
        byte[] bytes = new byte[length];
        memory.get(FRAMES, bytes, 0, length);
        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes), maxPayload, peer);
        try {
            for (Frame frame = reader.read(); frame != null; frame = reader.read()) frames.add(frame);
        } catch (IOException e) {
            // A torn or corrupted tail: the frames before it stand.
        }
        return frames;
    }
}
