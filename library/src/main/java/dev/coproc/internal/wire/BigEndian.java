package dev.coproc.internal.wire;

/**
 * Big-endian ints and longs in byte arrays: the one byte-level helper behind every layout on the wire (frame
 * headers, the handshake, manager calls, plain-typed pipe and queue messages).
 *
 * <p>Plain shifts rather than a byte-array {@code VarHandle}: workers run the quick-start compiler, which does
 * not make a {@code VarHandle} call cheap, and these run once or more per message.
 */
public final class BigEndian {
    private BigEndian() {}

    /** Writes {@code value} into 4 bytes of {@code bytes} from {@code at}. */
    public static void putInt(byte[] bytes, int at, int value) {
        bytes[at] = (byte) (value >>> 24);
        bytes[at + 1] = (byte) (value >>> 16);
        bytes[at + 2] = (byte) (value >>> 8);
        bytes[at + 3] = (byte) value;
    }

    /** The int in 4 bytes of {@code bytes} from {@code at}. */
    public static int getInt(byte[] bytes, int at) {
        return (bytes[at] & 0xff) << 24 | (bytes[at + 1] & 0xff) << 16 | (bytes[at + 2] & 0xff) << 8 | (bytes[at + 3] & 0xff);
    }

    /** Writes {@code value} into 8 bytes of {@code bytes} from {@code at}. */
    public static void putLong(byte[] bytes, int at, long value) {
        putInt(bytes, at, (int) (value >>> 32));
        putInt(bytes, at + 4, (int) value);
    }

    /** The long in 8 bytes of {@code bytes} from {@code at}. */
    public static long getLong(byte[] bytes, int at) {
        return (long) getInt(bytes, at) << 32 | (getInt(bytes, at + 4) & 0xffffffffL);
    }

    /** {@code value} as 4 bytes. */
    public static byte[] ofInt(int value) {
        byte[] bytes = new byte[4];
        putInt(bytes, 0, value);
        return bytes;
    }

    /** {@code value} as 8 bytes. */
    public static byte[] ofLong(long value) {
        byte[] bytes = new byte[8];
        putLong(bytes, 0, value);
        return bytes;
    }
}
