package dev.coproc.internal.wire;

/**
 * A big-endian cursor over a byte array, for layouts of a few fixed fields and length-prefixed byte strings
 * (the manager's calls and answers, a worker's commands and replies). A worker runs with the quick-start
 * compiler, where a {@code ByteBuffer}'s construction per message showed in profiles. Reading past the end
 * throws {@link IndexOutOfBoundsException}; a length or count that cannot fit in what is left throws
 * {@link IllegalArgumentException}.
 */
public final class WireBuffer {
    private final byte[] bytes;
    private int position;

    /** A cursor at the start of {@code bytes}. */
    public WireBuffer(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A cursor over a new array of {@code size} bytes, to write. */
    public static WireBuffer allocate(int size) {
        return new WireBuffer(new byte[size]);
    }

    /** The bytes that a length-prefixed {@code value} takes. */
    public static int sizedBytes(byte[] value) {
        return 4 + value.length;
    }

    public byte[] array() {
        return bytes;
    }

    public int remaining() {
        return bytes.length - position;
    }

    public boolean hasRemaining() {
        return position < bytes.length;
    }

    public WireBuffer put(byte value) {
        bytes[position++] = value;
        return this;
    }

    public WireBuffer putInt(int value) {
        BigEndian.putInt(bytes, position, value);
        position += 4;
        return this;
    }

    public WireBuffer putLong(long value) {
        BigEndian.putLong(bytes, position, value);
        position += 8;
        return this;
    }

    public WireBuffer put(byte[] value) {
        System.arraycopy(value, 0, bytes, position, value.length);
        position += value.length;
        return this;
    }

    /** Writes {@code value} after its length. */
    public WireBuffer putSized(byte[] value) {
        return putInt(value.length).put(value);
    }

    public byte get() {
        need(1);
        return bytes[position++];
    }

    public int getInt() {
        need(4);
        int value = BigEndian.getInt(bytes, position);
        position += 4;
        return value;
    }

    public long getLong() {
        need(8);
        long value = BigEndian.getLong(bytes, position);
        position += 8;
        return value;
    }

    public void get(byte[] into) {
        need(into.length);
        System.arraycopy(bytes, position, into, 0, into.length);
        position += into.length;
    }

    /** Reads a byte string written by {@link #putSized}. */
    public byte[] getSized() {
        int length = getInt();
        if (length < 0 || length > remaining()) throw new IllegalArgumentException("bad length " + length);
        byte[] value = new byte[length];
        get(value);
        return value;
    }

    /** Reads a count of length-prefixed items, each at least 4 bytes, so a count that cannot fit is refused before anything is made for it. */
    public int getCount() {
        int count = getInt();
        if (count < 0 || count > remaining() / 4) throw new IllegalArgumentException("bad count " + count);
        return count;
    }

    private void need(int count) {
        if (position + count > bytes.length) throw new IndexOutOfBoundsException("frame ends at " + bytes.length);
    }
}
