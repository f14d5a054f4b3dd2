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

    private final OutputStream out;
    private final int maxPayload;
    private final CRC32C crc = new CRC32C();
    /** The header, followed by a small frame's payload, so that both go out in one write; reused under the lock. */
    private final byte[] staged = new byte[Frames.HEADER_BYTES + SMALL_PAYLOAD];

    /**
     * @param maxPayload the largest payload the peer accepts; a larger one fails here, before a byte is written
     */
    public FrameWriter(OutputStream out, int maxPayload) {
        this.out = out;
        this.maxPayload = maxPayload;
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
        Frames.putHeader(staged, 0, kind, payload.length, Frames.checksum(crc, kind, payload, 0, payload.length));
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

    @Override
    public void close() throws IOException {
        out.close();
    }
}
