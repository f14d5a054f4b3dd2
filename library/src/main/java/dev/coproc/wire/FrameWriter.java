package dev.coproc.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** Writes whole frames to a stream; safe to share between threads (one frame at a time). */
public final class FrameWriter implements AutoCloseable {
    private final OutputStream out;
    private final int maxPayload;
    private final byte[] header = new byte[Frames.HEADER_BYTES];

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

    /** Writes one frame and flushes it. */
    public synchronized void write(byte kind, byte[] payload) throws IOException {
        if (payload.length > maxPayload) {
            throw new FrameException(FrameException.Reason.OVERSIZED,
                    "a frame of " + payload.length + " bytes is over the limit of " + maxPayload + " bytes");
        }
        ByteBuffer buffer = ByteBuffer.wrap(header);
        Frames.putHeader(buffer, kind, payload, 0, payload.length);
        if (payload.length <= 4096) {
            // One write syscall for small frames: the header and payload together.
            byte[] whole = new byte[header.length + payload.length];
            System.arraycopy(header, 0, whole, 0, header.length);
            System.arraycopy(payload, 0, whole, header.length, payload.length);
            out.write(whole);
        } else {
            out.write(header);
            out.write(payload);
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
