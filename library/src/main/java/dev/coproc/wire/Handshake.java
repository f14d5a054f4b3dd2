package dev.coproc.wire;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The first frame each side sends: a magic word, the protocol version and the sender's pid. A peer built from
 * another coproc version (or not speaking coproc at all) is refused before any task is exchanged.
 */
public final class Handshake {
    /** Bumped on every incompatible change of frames or messages. */
    public static final int PROTOCOL_VERSION = 1;
    private static final int MAGIC = 0x436f5072; // "CoPr"

    private Handshake() {}

    /** What a peer said in its hello. */
    public record Hello(int version, long pid, int maxPayload) {}

    /** Sends this side's hello: {@code maxPayload} is the largest frame it accepts. */
    public static void send(FrameWriter writer, long pid, int maxPayload) throws IOException {
        send(writer, PROTOCOL_VERSION, pid, maxPayload);
    }

    static void send(FrameWriter writer, int version, long pid, int maxPayload) throws IOException {
        ByteBuffer hello = ByteBuffer.allocate(20).putInt(MAGIC).putInt(version).putLong(pid).putInt(maxPayload);
        writer.write(Frame.HELLO, hello.array());
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
        ByteBuffer hello = ByteBuffer.wrap(frame.payload());
        if (frame.kind() != Frame.HELLO || hello.remaining() != 20 || hello.getInt() != MAGIC) {
            throw new FrameException(FrameException.Reason.HANDSHAKE, peer + " did not start with a coproc handshake");
        }
        int version = hello.getInt();
        long pid = hello.getLong();
        int maxPayload = hello.getInt();
        if (version != PROTOCOL_VERSION) {
            throw new FrameException(FrameException.Reason.HANDSHAKE,
                    peer + " speaks protocol version " + version + ", this side speaks " + PROTOCOL_VERSION);
        }
        return new Hello(version, pid, maxPayload);
    }
}
