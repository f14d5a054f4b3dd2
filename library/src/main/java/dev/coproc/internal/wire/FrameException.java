package dev.coproc.internal.wire;

import java.io.IOException;

/**
 * The byte stream from a peer broke the protocol: a corrupted, truncated or oversized frame, or a handshake
 * that did not match or did not authenticate. Every transport reports these the same way. After any reason but
 * {@link Reason#OVERSIZED} the connection cannot be trusted and must be discarded; an oversized frame refused
 * by {@code FramedSocket} stays unread, and one refused by a writer was not sent.
 */
public class FrameException extends IOException {
    /** What went wrong, for callers that map it to their own error types. */
    public enum Reason { CORRUPTED, TRUNCATED, OVERSIZED, HANDSHAKE, AUTHENTICATION }

    private final Reason reason;
    private final int length;
    private final int maxLength;

    public FrameException(Reason reason, String message) {
        this(reason, message, 0, 0);
    }

    private FrameException(Reason reason, String message, int length, int maxLength) {
        super(message);
        this.reason = reason;
        this.length = length;
        this.maxLength = maxLength;
    }

    /** An {@link Reason#OVERSIZED} frame: {@code what} (e.g. "peer X sent a frame") was {@code length} bytes. */
    public static FrameException oversized(String what, int length, int maxLength) {
        return new FrameException(Reason.OVERSIZED,
                what + " of " + length + " bytes, over the limit of " + maxLength + " bytes", length, maxLength);
    }

    public Reason reason() {
        return reason;
    }

    /** For {@link Reason#OVERSIZED}: the frame's payload length; 0 otherwise. */
    public int length() {
        return length;
    }

    /** For {@link Reason#OVERSIZED}: the limit it broke; 0 otherwise. */
    public int maxLength() {
        return maxLength;
    }
}
