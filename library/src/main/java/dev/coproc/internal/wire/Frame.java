package dev.coproc.internal.wire;

/** One protocol frame: a kind byte and its payload. */
public record Frame(byte kind, byte[] payload) {
    /** The handshake frame each side sends first. */
    public static final byte HELLO = 1;
    /** A protocol message (encoded by the Kotlin codec). */
    public static final byte MESSAGE = 2;
    /** No payload: wakes a pipe's receiver that sleeps on the socket while its messages come through shared memory. */
    public static final byte DOORBELL = 3;

    static boolean isKnownKind(byte kind) {
        return kind == HELLO || kind == MESSAGE || kind == DOORBELL;
    }
}
