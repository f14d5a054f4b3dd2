package dev.coproc.wire;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/** Reads whole frames from a stream, checking size and checksum before anything is decoded. */
public final class FrameReader implements AutoCloseable {
    private final InputStream in;
    private final int maxPayload;
    private final String peer;
    private final byte[] header = new byte[Frames.HEADER_BYTES];

    /**
     * @param peer names the other end in error messages (e.g. {@code "worker Process-1 (pid 4242)"})
     */
    public FrameReader(InputStream in, int maxPayload, String peer) {
        this.in = in;
        this.maxPayload = maxPayload;
        this.peer = peer;
    }

    /**
     * The next frame, or null when the stream ended cleanly between two frames.
     *
     * @throws FrameException when the frame is truncated, oversized, of an unknown kind or fails its checksum
     */
    public Frame read() throws IOException {
        int got = in.readNBytes(header, 0, header.length);
        if (got == 0) return null;
        if (got < header.length) {
            throw new FrameException(FrameException.Reason.TRUNCATED,
                    peer + " sent a truncated frame: the stream ended after " + got + " of " + header.length + " header bytes");
        }
        ByteBuffer buffer = ByteBuffer.wrap(header);
        int length = buffer.getInt();
        byte kind = buffer.get();
        int expected = buffer.getInt();
        if (length < 0 || length > maxPayload) {
            throw new FrameException(FrameException.Reason.OVERSIZED,
                    peer + " sent a frame of " + Integer.toUnsignedString(length) + " bytes, over the limit of " + maxPayload + " bytes");
        }
        if (!Frame.isKnownKind(kind)) {
            throw new FrameException(FrameException.Reason.CORRUPTED, peer + " sent a frame of unknown kind " + kind);
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new FrameException(FrameException.Reason.TRUNCATED,
                    peer + " sent a truncated frame: the stream ended after " + payload.length + " of " + length + " payload bytes");
        }
        if (Frames.checksum(kind, payload, 0, length) != expected) {
            throw new FrameException(FrameException.Reason.CORRUPTED, peer + " sent a corrupted frame (checksum mismatch)");
        }
        return new Frame(kind, payload);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
