package dev.coproc.internal.wire;

import java.io.IOException;
import java.util.Arrays;

/**
 * The one handshake: the first frame each side sends is a hello, a magic word, the protocol version, the
 * sender's pid and the largest payload it accepts. A peer built from another coproc version (or not speaking
 * coproc at all) is refused before any message is exchanged.
 *
 * <p>A hello may carry more bytes after those fields: {@code KeyedHandshake} (managers) puts the challenge and
 * proof of its mutual authentication there. Worker pipes send the bare hello, with {@link #send} and
 * {@link #receive} over blocking streams.
 */
public final class Handshake {
    /** Bumped on every incompatible change of frames or messages. */
    public static final int PROTOCOL_VERSION = 3;
    /** The largest hello accepted, extra bytes included: a peer cannot make this side buffer more before it is known. */
    public static final int MAX_HELLO_BYTES = 1024;
    private static final int MAGIC = 0x436f5072; // "CoPr"
    private static final int HELLO_BYTES = 20;

    private Handshake() {}

    /** What a peer said in its hello; {@code extra} is what followed the fixed fields (empty from a worker pipe). */
    public record Hello(int version, long pid, int maxPayload, byte[] extra) {}

    /** Sends this side's hello: {@code maxPayload} is the largest frame it accepts. */
    public static void send(FrameWriter writer, long pid, int maxPayload) throws IOException {
        send(writer, PROTOCOL_VERSION, pid, maxPayload);
    }

    static void send(FrameWriter writer, int version, long pid, int maxPayload) throws IOException {
        writer.write(Frame.HELLO, hello(version, pid, maxPayload, new byte[0]));
    }

    /**
     * Reads the peer's hello.
     *
     * @throws java.io.EOFException when the stream ends first
     * @throws FrameException when the frame is not a hello, or the version differs
     */
    public static Hello receive(FrameReader reader, String peer) throws IOException {
        Frame frame = reader.read();
        if (frame == null) {
            // A peer that died (or was killed) before saying anything: not a protocol breach.
            throw new java.io.EOFException(peer + " closed the connection before its handshake");
        }
        return parse(frame.kind(), frame.payload(), peer);
    }

    /** The payload of a hello of {@code version}, followed by {@code extra}. */
    static byte[] hello(int version, long pid, int maxPayload, byte[] extra) {
        return WireBuffer.allocate(HELLO_BYTES + extra.length)
                .putInt(MAGIC).putInt(version).putLong(pid).putInt(maxPayload).put(extra).array();
    }

    /** Decodes a hello frame. */
    static Hello parse(byte kind, byte[] payload, String peer) throws FrameException {
        if (kind != Frame.HELLO || payload.length < HELLO_BYTES || BigEndian.getInt(payload, 0) != MAGIC) {
            throw new FrameException(FrameException.Reason.HANDSHAKE, peer + " did not start with a coproc handshake");
        }
        WireBuffer hello = new WireBuffer(payload);
        hello.getInt();
        int version = hello.getInt();
        long pid = hello.getLong();
        int maxPayload = hello.getInt();
        if (version != PROTOCOL_VERSION) {
            throw new FrameException(FrameException.Reason.HANDSHAKE,
                    peer + " speaks protocol version " + version + ", this side speaks " + PROTOCOL_VERSION);
        }
        return new Hello(version, pid, maxPayload, Arrays.copyOfRange(payload, HELLO_BYTES, payload.length));
    }
}
