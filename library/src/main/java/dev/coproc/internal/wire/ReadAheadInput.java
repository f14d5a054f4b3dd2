package dev.coproc.internal.wire;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A buffered stream that tells whether more frames follow at once: bytes already read ahead, or waiting in the
 * pipe. A peer that answers each frame with one (a worker replying to tasks, a parent sending the next tasks on
 * replies) holds its answers back while this says so, and sends them in one write.
 */
public final class ReadAheadInput extends BufferedInputStream {
    public ReadAheadInput(InputStream in, int size) {
        super(in, size);
    }

    /**
     * Whether a read would return at once. Bytes already buffered answer without a system call; only an empty
     * buffer asks the kernel (once per run of frames, not once per frame as {@link #available} would).
     */
    public synchronized boolean hasMore() throws IOException {
        return count > pos || available() > 0;
    }
}
