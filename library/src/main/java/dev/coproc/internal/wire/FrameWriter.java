package dev.coproc.internal.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/**
 * Writes whole frames to a blocking stream (the transport of a worker's pipes); safe to share between threads
 * (one frame at a time).
 */
public final class FrameWriter implements AutoCloseable {
    /** Frames up to this payload go out in one write with their header. */
    private static final int SMALL_PAYLOAD = 4096;
    /** The most bytes of frames held back while corked: one pipe write that does not wait, on Linux. */
    private static final int HELD_BYTES = HeldFrames.CAPACITY;

    private final OutputStream out;
    private final int maxPayload;
    private final CRC32C crc = new CRC32C();
    /** The header, followed by a small frame's payload, so that both go out in one write; reused under the lock. */
    private final byte[] staged = new byte[Frames.HEADER_BYTES + SMALL_PAYLOAD];
    /** Whole frames held back while corked, sent in one write by {@link #uncork}; allocated on first use. */
    private byte[] held;
    private int heldLength;
    private boolean corked;
    /** Where the held frames are mirrored for the reader, if this process dies holding them; may be null. */
    private final HeldFrames mirror;

    /**
     * @param maxPayload the largest payload the peer accepts; a larger one fails here, before a byte is written
     */
    public FrameWriter(OutputStream out, int maxPayload) {
        this(out, maxPayload, null);
    }

    /** A writer whose held frames are mirrored in {@code mirror} (see {@link HeldFrames}). */
    public FrameWriter(OutputStream out, int maxPayload, HeldFrames mirror) {
        this.out = out;
        this.maxPayload = maxPayload;
        this.mirror = mirror;
    }

    /** The largest payload {@link #write} accepts. */
    public int maxPayload() {
        return maxPayload;
    }

    /**
     * Writes one frame and flushes it.
     *
     * @throws FrameException ({@link FrameException.Reason#OVERSIZED}) when the payload is over the limit; nothing was written
     */
    public synchronized void write(byte kind, byte[] payload) throws IOException {
        if (payload.length > maxPayload) throw FrameException.oversized("a frame", payload.length, maxPayload);
        int checksum = Frames.checksum(crc, kind, payload, 0, payload.length);
        if (corked && hold(kind, payload, checksum)) return;
        sendHeld();
        Frames.putHeader(staged, 0, kind, payload.length, checksum);
        if (payload.length <= SMALL_PAYLOAD) {
            // One write system call for a small frame: the header and payload together.
            System.arraycopy(payload, 0, staged, Frames.HEADER_BYTES, payload.length);
            out.write(staged, 0, Frames.HEADER_BYTES + payload.length);
        } else {
            out.write(staged, 0, Frames.HEADER_BYTES);
            out.write(payload);
        }
        out.flush();
    }

    /**
     * Holds back the small frames written from now on, until {@link #uncork}, which sends them in one write:
     * for a writer that knows more frames follow at once (replies still to handle, each answered by a frame).
     * A larger frame, or one that does not fit beside them, sends them, then itself; order is kept.
     */
    public synchronized void cork() {
        corked = true;
    }

    /** Sends the frames held back since {@link #cork}, if any, and writes through again. */
    public synchronized void uncork() throws IOException {
        corked = false;
        sendHeld();
    }

    /** Forgets the frames held back since {@link #cork}, and writes through again: for a peer about to be killed. */
    public synchronized void dropHeld() {
        corked = false;
        heldLength = 0;
        if (mirror != null) mirror.clear();
    }

    /**
     * Appends a small frame to the held ones; false for a larger one (its writer may have moved off a thread
     * that must not wait on the pipe) or one that would take them over {@link #HELD_BYTES}.
     */
    private boolean hold(byte kind, byte[] payload, int checksum) {
        int frame = Frames.HEADER_BYTES + payload.length;
        if (payload.length > SMALL_PAYLOAD || frame > HELD_BYTES - heldLength) return false;
        if (held == null) held = new byte[HELD_BYTES];
        Frames.putHeader(held, heldLength, kind, payload.length, checksum);
        System.arraycopy(payload, 0, held, heldLength + Frames.HEADER_BYTES, payload.length);
        if (mirror != null) mirror.append(held, heldLength, heldLength + frame);
        heldLength += frame;
        return true;
    }

    private void sendHeld() throws IOException {
        if (heldLength == 0) return;
        int length = heldLength;
        // Emptied first: after a failed write (the peer is gone) nothing held is sent twice.
        heldLength = 0;
        out.write(held, 0, length);
        out.flush();
        // Only once written: a writer that dies before this leaves them for the reader, which ignores repeats.
        if (mirror != null) mirror.clear();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
