package dev.coproc.wire;

import java.io.IOException;

/**
 * The byte stream from a peer broke the protocol: a corrupted, truncated or oversized frame, or a handshake
 * that did not match. The connection cannot be trusted after it and must be discarded.
 */
public class FrameException extends IOException {
    /** What went wrong, for callers that map it to their own error types. */
    public enum Reason { CORRUPTED, TRUNCATED, OVERSIZED, HANDSHAKE }

    private final Reason reason;

    public FrameException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
