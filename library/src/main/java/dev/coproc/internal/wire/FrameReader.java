package dev.coproc.internal.wire;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads whole frames from a blocking stream (the transport of a worker's pipes), checking size and checksum
 * before anything is decoded. One reader at a time.
 */
public final class FrameReader implements AutoCloseable {
    /** The most a frame's array takes before its bytes have arrived. */
    static final int FIRST_READ_BYTES = 1 << 20;

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
        int got = readFully(header, 0, header.length);
        if (got == 0) return null;
        if (got < header.length) {
            throw new FrameException(FrameException.Reason.TRUNCATED,
                    peer + " sent a truncated frame: the stream ended after " + got + " of " + header.length + " header bytes");
        }
        FrameException breach = Frames.breach(header, 0, maxPayload, peer);
        if (breach != null) throw breach;
        int length = Frames.length(header, 0);
        byte kind = Frames.kind(header, 0);
        byte[] payload = readPayload(length);
        if (Frames.checksum(crc, kind, payload, 0, length) != Frames.expectedChecksum(header, 0)) throw Frames.checksumMismatch(peer);
        return new Frame(kind, payload);
    }

    /**
     * The payload's {@code length} bytes, read straight into its array. The array grows with the bytes that
     * arrive, not with the length announced: up to {@link #FIRST_READ_BYTES} at once, then doubling, so a peer
     * that announces 64 MiB and sends one byte costs 1 MiB here. (InputStream.readNBytes(int) has the same bound
     * but reads in 8 KiB pieces and copies them all once more: a 64 KiB frame took 4x as long as writing it.)
     */
    private byte[] readPayload(int length) throws IOException {
        byte[] payload = new byte[Math.min(length, FIRST_READ_BYTES)];
        int have = 0;
        while (true) {
            have += readFully(payload, have, payload.length - have);
            if (have == length) return payload;
            if (have < payload.length) {
                throw new FrameException(FrameException.Reason.TRUNCATED,
                        peer + " sent a truncated frame: the stream ended after " + have + " of " + length + " payload bytes");
            }
            payload = Arrays.copyOf(payload, (int) Math.min(length, 2L * payload.length));
        }
    }

    /**
     * Reads until {@code length} bytes or the end of the stream; how many came. A loop of its own, not
     * readNBytes(byte[], int, int): some streams override that to stop after one read.
     */
    private int readFully(byte[] into, int offset, int length) throws IOException {
        int have = 0;
        int n;
        while (have < length && (n = in.read(into, offset + have, length - have)) >= 0) have += n;
        return have;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
