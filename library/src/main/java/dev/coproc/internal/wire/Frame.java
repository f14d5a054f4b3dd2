package dev.coproc.internal.wire;

/** One protocol frame: a kind byte and its payload. */
public record Frame(byte kind, byte[] payload) {
    /** The handshake frame each side sends first. */
    public static final byte HELLO = 1;
    /** A protocol message (encoded by the Kotlin codec). */
    public static final byte MESSAGE = 2;

    static boolean isKnownKind(byte kind) {
        return kind == HELLO || kind == MESSAGE;
    }
}
