package dev.coproc.internal.os;

import java.nio.file.Path;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The socket {@link FdSharer} listens on while something is shared, and the thread that serves it: each
 * client of this user presents a secret and gets the descriptor behind it, or a refusal. Made on the first
 * share and closed once nothing is shared any more.
 */
final class SharingSocket {
    private final int listenFd;
    private final Path path;

    private SharingSocket(int listenFd, Path path) {
        this.listenFd = listenFd;
        this.path = path;
    }

    /** Listens at a new {@code share-<pid>-<suffix>.sock} in the private directory and starts serving {@code sharer}. */
    static SharingSocket open(FdSharer sharer, long suffix) throws OsException {
        Path directory = PrivateSockets.directory();
        PrivateSockets.sweepStale(directory, "share");
        Path path = directory.resolve("share-" + Pids.current() + "-" + Long.toHexString(suffix) + ".sock");
        // The serving thread owns the socket (and closes it): the listener object only set it up.
        int fd = UnixListener.bind(path, false).number();
        Thread thread = new Thread(null, () -> serve(sharer, fd), "coproc-fd-sharer", 256 * 1024);
        thread.setDaemon(true);
        thread.start();
        return new SharingSocket(fd, path);
    }

    Path path() {
        return path;
    }

    /** Stops serving and removes the socket file. */
    void close() {
        // Wakes the accept() in progress; the serving thread closes the socket on its way out.
        LibC.get().shutdown(listenFd, LibC.SHUT_RDWR);
        PrivateSockets.deleteQuietly(path);
    }

    private static void serve(FdSharer sharer, int listening) {
        Pointer buffer = Memory.allocateDirect(LibC.runtime(), FdSharer.TOKEN_BYTES, true);
        long backOffMillis = 0;
        try {
            while (true) {
                int client = LibC.get().accept4(listening, null, null, LibC.SOCK_CLOEXEC);
                if (client < 0) {
                    int errno = LibC.errno();
                    if (errno == LibC.EINTR || errno == LibC.ECONNABORTED) continue;
                    if (OsException.isOutOfResources(errno)) {
                        // Out of descriptors or kernel memory for now: the fetcher waits in the backlog (its
                        // own timeout bounds that), and sharing must go on once this process has some again.
                        backOffMillis = Math.min(1_000, Math.max(50, backOffMillis * 2));
                        if (!pause(backOffMillis)) return;
                        continue;
                    }
                    return; // shut down by close()
                }
                backOffMillis = 0;
                try {
                    answer(sharer, client, buffer);
                } catch (RuntimeException e) {
                    // One misbehaving client must not stop the sharing for the others.
                } finally {
                    LibC.get().close(client);
                }
            }
        } finally {
            LibC.get().close(listening);
        }
    }

    /** Sleeps {@code millis}; false when interrupted. */
    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void answer(FdSharer sharer, int client, Pointer buffer) {
        DescriptorPassing.setTimeouts(client);
        if (PrivateSockets.peerUid(client) != LibC.get().getuid()) return;
        int read = 0;
        while (read < FdSharer.TOKEN_BYTES) {
            long n = LibC.get().recv(client, buffer.slice(read), FdSharer.TOKEN_BYTES - read, 0);
            if (n <= 0 && !(n < 0 && LibC.errno() == LibC.EINTR)) return;
            if (n > 0) read += (int) n;
        }
        byte[] presented = new byte[FdSharer.TOKEN_BYTES];
        buffer.get(0, presented, 0, FdSharer.TOKEN_BYTES);
        sharer.answer(client, presented);
    }
}
