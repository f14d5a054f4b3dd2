package dev.coproc.internal.os;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * One descriptor passed over a connected Unix socket ({@code SCM_RIGHTS}) with a one-byte status: the
 * exchange behind {@link FdSharer}. A stuck peer is bounded by the socket timeouts set here.
 */
final class DescriptorPassing {
    static final byte OK = 0;
    static final byte UNKNOWN = 1;
    private static final int TIMEOUT_MILLIS = 10_000;
    /** struct cmsghdr carrying one int: {@code CMSG_LEN(4)} and its aligned space {@code CMSG_SPACE(4)}. */
    private static final long CMSG_LEN_ONE_FD = 20;
    private static final long CMSG_SPACE_ONE_FD = 24;

    private DescriptorPassing() {}

    /** Sends {@code status}, with {@code fd} attached unless negative; false when the peer did not take it. */
    static boolean send(int socket, byte status, int fd) {
        Pointer statusByte = Memory.allocateDirect(LibC.runtime(), 1, true);
        statusByte.putByte(0, status);
        Pointer message = messageHeader(statusByte);
        if (fd >= 0) {
            Pointer control = message.getPointer(32);
            control.putLong(0, CMSG_LEN_ONE_FD);
            control.putInt(8, LibC.SOL_SOCKET);
            control.putInt(12, LibC.SCM_RIGHTS);
            control.putInt(16, fd);
        } else {
            message.putLong(40, 0);
        }
        return LibC.get().sendmsg(socket, message, LibC.MSG_NOSIGNAL) == 1;
    }

    /** The close-on-exec descriptor the peer sent with an {@link #OK} status; owned by the caller. */
    static int receive(int socket, String path) throws OsException {
        Pointer status = Memory.allocateDirect(LibC.runtime(), 1, true);
        Pointer message = messageHeader(status);
        long n;
        do {
            n = LibC.get().recvmsg(socket, message, LibC.MSG_CMSG_CLOEXEC);
        } while (n < 0 && LibC.errno() == LibC.EINTR);
        if (n < 0) throw OsException.lastError("recvmsg(" + path + ")");
        if (n == 0) throw new OsException(LibC.EPIPE, "the process that shared this descriptor closed the exchange (" + path + ")");
        Pointer control = message.getPointer(32);
        long controlLength = message.getLong(40);
        int received = controlLength >= CMSG_LEN_ONE_FD ? control.getInt(16) : -1;
        if (status.getByte(0) == OK && received >= 0) return received;
        if (received >= 0) LibC.get().close(received);
        throw new OsException(LibC.ENOENT, "the process that shared this descriptor no longer holds it (" + path + ")");
    }

    /** A stuck peer must not hold a fetch (or the serving thread) forever. */
    static void setTimeouts(int fd) {
        Pointer timeval = Memory.allocateDirect(LibC.runtime(), 16, true);
        timeval.putLong(0, TIMEOUT_MILLIS / 1000);
        timeval.putLong(8, 0);
        LibC.get().setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeval, 16);
        LibC.get().setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDTIMEO, timeval, 16);
    }

    /**
     * A struct msghdr (LP64 layout, as on x86_64 and aarch64) with one iovec over {@code data} and room for one
     * descriptor: name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48.
     */
    private static Pointer messageHeader(Pointer data) {
        Pointer iovec = Memory.allocateDirect(LibC.runtime(), 16, true);
        iovec.putPointer(0, data);
        iovec.putLong(8, data.size());
        Pointer control = Memory.allocateDirect(LibC.runtime(), CMSG_SPACE_ONE_FD, true);
        Pointer message = Memory.allocateDirect(LibC.runtime(), 56, true);
        message.putPointer(16, iovec);
        message.putLong(24, 1);
        message.putPointer(32, control);
        message.putLong(40, CMSG_SPACE_ONE_FD);
        return message;
    }
}
