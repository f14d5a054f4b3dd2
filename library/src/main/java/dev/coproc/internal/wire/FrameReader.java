package dev.coproc.internal.wire;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;

/**
 * Reads whole frames from a blocking stream (the transport of a worker's pipes), checking size and checksum
 * before anything is decoded. One reader at a time.
 */
public final class FrameReader implements AutoCloseable {
    private final InputStream in;
    private final int maxPayload;
    private final String peer;
    private final byte[] header = new byte[Frames.HEADER_BYTES];
    private final CRC32C crc = new CRC32C();

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
        FrameException breach = Frames.breach(header, 0, maxPayload, peer);
        if (breach != null) throw breach;
        int length = Frames.length(header, 0);
        byte kind = Frames.kind(header, 0);
        // readNBytes grows its buffer with the bytes that arrive, not with the length announced.
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new FrameException(FrameException.Reason.TRUNCATED,
                    peer + " sent a truncated frame: the stream ended after " + payload.length + " of " + length + " payload bytes");
        }
        if (Frames.checksum(crc, kind, payload, 0, length) != Frames.expectedChecksum(header, 0)) throw Frames.checksumMismatch(peer);
        return new Frame(kind, payload);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
