package dev.coproc.wire;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The frame layout shared by both ends: a 9-byte header, then the payload.
 *
 * <pre>
 *   u32 payload length | u8 kind | u32 CRC-32C of (kind, payload)
 * </pre>
 *
 * The checksum turns a corrupted byte anywhere (even in the length, which then rarely matches) into an error at
 * the frame it hits, instead of a wrong value decoded later.
 */
public final class Frames {
    /** Bytes before each payload. */
    public static final int HEADER_BYTES = 9;
    /** The default largest payload accepted: 64 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD = 64 << 20;

    private Frames() {}

    static void putHeader(ByteBuffer header, byte kind, byte[] payload, int offset, int length) {
        header.putInt(length).put(kind).putInt(checksum(kind, payload, offset, length));
    }

    static int checksum(byte kind, byte[] payload, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(kind);
        crc.update(payload, offset, length);
        return (int) crc.getValue();
    }
}
