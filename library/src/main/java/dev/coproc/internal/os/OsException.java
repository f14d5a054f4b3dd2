package dev.coproc.internal.os;

import java.io.IOException;
import jnr.constants.platform.Errno;

/** A system call failed; carries the call's name and the errno it returned. */
public class OsException extends IOException {
    private final int errno;

    public OsException(String call, int errno) {
        super(call + " failed: " + describe(errno));
        this.errno = errno;
    }

    /** For a failure whose message says more than the call's name. */
    public OsException(int errno, String message) {
        super(message + ": " + describe(errno));
        this.errno = errno;
    }

    /** The errno value, as in errno.h. */
    public int errno() {
        return errno;
    }

    /**
     * True for "not now" rather than "never": out of descriptors (EMFILE, ENFILE) or of kernel memory (ENOBUFS,
     * ENOMEM), which a server accepting connections waits out instead of stopping.
     */
    public boolean isOutOfResources() {
        return isOutOfResources(errno);
    }

    /** {@link #isOutOfResources()} for a bare errno, as a loop calling libc itself sees it. */
    public static boolean isOutOfResources(int errno) {
        return errno == LibC.EMFILE || errno == LibC.ENFILE || errno == LibC.ENOBUFS || errno == LibC.ENOMEM;
    }

    /** True for EPIPE: every reader of a pipe or socket is gone, so nothing written can arrive. */
    public boolean isBrokenPipe() {
        return errno == LibC.EPIPE;
    }

    static String describe(int errno) {
        Errno known = Errno.valueOf(errno);
        return known == null || known == Errno.__UNKNOWN_CONSTANT__
                ? "errno " + errno
                : known.name() + " (" + known.description() + ")";
    }

    static OsException lastError(String call) {
        return new OsException(call, LibC.errno());
    }
}
