package dev.coproc.internal.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import jnr.ffi.Pointer;

/**
 * A listening Unix domain socket at a path: owner-only (0600) in a private directory (0700), non-blocking,
 * close-on-exec. Accepted connections are non-blocking {@link UnixSocket}s; {@link #connect} is the client's side.
 */
public final class UnixListener implements StreamListener {
    private final int fd;
    private final Path path;
    private boolean closed;

    private UnixListener(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /** A path for a new socket named {@code prefix-<pid>-<random>.sock} in this user's private directory. */
    public static Path privatePath(String prefix) throws OsException {
        return PrivateSockets.directory().resolve(prefix + "-" + Pids.current() + "-" + Long.toHexString(new java.security.SecureRandom().nextLong()) + ".sock");
    }

    /** Listens at {@code path}, which must not exist yet; {@link #accept} never blocks. */
    public static UnixListener bind(Path path) throws OsException {
        return bind(path, true);
    }

    /** Listens at {@code path}; a blocking listener's accept waits in the kernel (for a thread of its own). */
    static UnixListener bind(Path path, boolean nonBlocking) throws OsException {
        int fd = LibC.get().socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC | (nonBlocking ? LibC.SOCK_NONBLOCK : 0), 0);
        if (fd < 0) throw new OsException("socket", LibC.errno());
        Pointer address = PrivateSockets.address(path.toString());
        if (LibC.get().bind(fd, address, (int) address.size()) != 0 || LibC.get().listen(fd, 128) != 0) {
            OsException failure = new OsException("bind/listen(" + path + ")", LibC.errno());
            LibC.get().close(fd);
            throw failure;
        }
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            LibC.get().close(fd);
            throw new OsException(LibC.EPERM, "cannot make " + path + " owner-only: " + e.getMessage());
        }
        return new UnixListener(fd, path);
    }

    /** The descriptor, for the {@link FdPoller}. */
    @Override
    public int number() {
        return fd;
    }

    public Path path() {
        return path;
    }

    /** The next connection, or null when none is waiting (wait for {@link FdPoller#READABLE} then). */
    @Override
    public UnixSocket accept() throws OsException {
        while (true) {
            int client = LibC.get().accept4(fd, null, null, LibC.SOCK_CLOEXEC | LibC.SOCK_NONBLOCK);
            if (client >= 0) return new UnixSocket(client);
            int errno = LibC.errno();
            if (errno == LibC.EINTR || errno == LibC.ECONNABORTED) continue;
            if (errno == LibC.EAGAIN) return null;
            throw new OsException("accept4(" + path + ")", errno);
        }
    }

    /** The uid of the process at the other end of {@code socket}. */
    public static int peerUid(UnixSocket socket) {
        return PrivateSockets.peerUid(socket.number());
    }

    /**
     * Connects to the socket at {@code path}.
     *
     * @throws OsException when nobody listens there (ENOENT, ECONNREFUSED)
     */
    public static UnixSocket connect(Path path) throws OsException {
        int fd = LibC.get().socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new OsException("socket", LibC.errno());
        Pointer address = PrivateSockets.address(path.toString());
        if (LibC.get().connect(fd, address, (int) address.size()) != 0) {
            int errno = LibC.errno();
            LibC.get().close(fd);
            throw new OsException("connect(" + path + ")", errno);
        }
        return UnixSocket.adopt(fd);
    }

    /** Stops listening and removes the socket file. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        LibC.get().close(fd);
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // A socket file left behind is refused by nobody and swept by nobody: harmless, and rare.
        }
    }
}
