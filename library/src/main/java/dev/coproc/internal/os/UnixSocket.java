package dev.coproc.internal.os;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.Pinned;
import jnr.ffi.annotations.SaveError;

/**
 * One end of a connected Unix domain stream socket (or a TCP connection, made by {@link TcpListener}: the
 * calls are the same), non-blocking and close-on-exec: calls return at once and report "would block" so that
 * the caller can wait in the {@link FdPoller} instead of in the kernel.
 *
 * <p>Closing is safe while another thread is inside a call: the descriptor is closed by whichever of
 * {@link #close()} and the last call in progress comes last, so its number is never reused under a call.
 */
public final class UnixSocket implements AutoCloseable {
    /** Returned by {@link #recv} and {@link #send} when the call would have to wait. */
    public static final int WOULD_BLOCK = -1;

    private static final int CLOSED = 1 << 30;

    private final int fd;
    /** Calls in progress, plus {@link #CLOSED} once closed. */
    private final AtomicInteger state = new AtomicInteger();

    UnixSocket(int fd) {
        this.fd = fd;
    }

    /**
     * A connected pair: what one end sends, the other receives. Each end asks for a send buffer of
     * {@code sendBufferBytes} (best effort: the kernel caps it at {@code net.core.wmem_max}), so that a large
     * message crosses in fewer rounds of "full, wait, drained"; 0 keeps the kernel's default.
     */
    public static UnixSocket[] pair(int sendBufferBytes) throws OsException {
        int[] fds = new int[2];
        int type = LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC | LibC.SOCK_NONBLOCK;
        if (LibC.get().socketpair(LibC.AF_UNIX, type, 0, fds) != 0) throw OsException.lastError("socketpair");
        if (sendBufferBytes > 0) {
            Pointer size = Memory.allocateDirect(LibC.runtime(), 4, true);
            size.putInt(0, sendBufferBytes);
            for (int fd : fds) LibC.get().setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUF, size, 4);
        }
        return new UnixSocket[] {new UnixSocket(fds[0]), new UnixSocket(fds[1])};
    }

    /** A connected pair with the kernel's default buffers. */
    public static UnixSocket[] pair() throws OsException {
        return pair(0);
    }

    /** Takes ownership of {@code fd}, a Unix stream socket received from another process, and makes it non-blocking. */
    public static UnixSocket adopt(int fd) throws OsException {
        int flags = LibC.get().fcntl(fd, LibC.F_GETFL, 0);
        if (flags < 0 || LibC.get().fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) < 0) {
            OsException failure = OsException.lastError("fcntl(fd " + fd + ", O_NONBLOCK)");
            LibC.get().close(fd);
            throw failure;
        }
        return new UnixSocket(fd);
    }

    /** The descriptor number, for the {@link FdPoller}. */
    public int number() {
        return fd;
    }

    /**
     * Native memory of {@code bytes} bytes (zeroed, freed with its last reference) to stage what
     * {@link #send(Pointer, long, int)} sends: a small message and its header go out in one call from it.
     */
    public static Pointer sendBuffer(int bytes) {
        return Memory.allocateDirect(LibC.runtime(), bytes, true);
    }

    /**
     * Writes up to {@code count} bytes from native memory at {@code buffer + offset}, without SIGPIPE.
     *
     * @return the bytes written, or {@link #WOULD_BLOCK}
     * @throws OsException with {@code EPIPE} when every peer has closed its end
     */
    public int send(Pointer buffer, long offset, int count) throws OsException, ClosedChannelException {
        enter();
        try {
            while (true) {
                long n = LibC.get().send(fd, buffer.slice(offset), count, LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL);
                if (n >= 0) return (int) n;
                if (retry(LibC.errno(), true)) continue;
                return WOULD_BLOCK;
            }
        } finally {
            exit();
        }
    }

    /**
     * Reads up to {@code count} bytes straight into {@code array} at {@code offset}, with no copy through
     * native memory. The array is pinned only for the call, which never blocks (a pinned array holds back
     * the garbage collector, so it must not wait in the kernel).
     *
     * @return the bytes read, 0 at end of stream (every peer closed), or {@link #WOULD_BLOCK}
     */
    public int recv(byte[] array, int offset, int count) throws OsException, ClosedChannelException {
        enter();
        try {
            while (true) {
                long n = HeapIo.CALLS.recv(fd, ByteBuffer.wrap(array, offset, count), count, LibC.MSG_DONTWAIT);
                if (n >= 0) return (int) n;
                int errno = jnr.ffi.LastError.getLastError(HeapIo.RUNTIME);
                // A peer that closed with our data unread resets the stream: for a reader that is the end.
                if (errno == LibC.ECONNRESET) return 0;
                if (retry(errno, false)) continue;
                return WOULD_BLOCK;
            }
        } finally {
            exit();
        }
    }

    /** Writes up to {@code count} bytes straight from {@code array} at {@code offset}; see {@link #recv(byte[], int, int)}. */
    public int send(byte[] array, int offset, int count) throws OsException, ClosedChannelException {
        enter();
        try {
            while (true) {
                long n = HeapIo.CALLS.send(fd, ByteBuffer.wrap(array, offset, count), count, LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL);
                if (n >= 0) return (int) n;
                if (retry(jnr.ffi.LastError.getLastError(HeapIo.RUNTIME), true)) continue;
                return WOULD_BLOCK;
            }
        } finally {
            exit();
        }
    }

    /** After a failed call: true to retry (EINTR), false when it would block; anything else is thrown. */
    private boolean retry(int errno, boolean sending) throws OsException {
        if (errno == LibC.EINTR) return true;
        if (errno == LibC.EAGAIN) return false;
        String call = (sending ? "send" : "recv") + "(fd " + fd + ")";
        // A reset seen by a sender means what EPIPE means: nobody will read.
        if (sending && errno == LibC.ECONNRESET) throw new OsException(call, LibC.EPIPE);
        throw new OsException(call, errno);
    }

    /**
     * Not API: recv and send (and read and write, for pipes) on Java arrays, pinned for the call; jnr binds
     * them apart from {@link LibC}'s. Only for non-blocking descriptors: a pinned array must not wait.
     */
    @SaveError
    public interface HeapIo {
        long recv(int fd, @Pinned @Out ByteBuffer buffer, long count, int flags);
        long send(int fd, @Pinned @In ByteBuffer buffer, long count, int flags);
        long read(int fd, @Pinned @Out ByteBuffer buffer, long count);
        long write(int fd, @Pinned @In ByteBuffer buffer, long count);

        HeapIo CALLS = LibraryLoader.create(HeapIo.class).load("c");
        jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(CALLS);
    }

    /**
     * True when every holder of the other end closed it (the socket hung up): what a send would learn as
     * {@code EPIPE}, learned without sending.
     */
    public boolean peerClosed() throws OsException, ClosedChannelException {
        enter();
        try {
            Pointer pollfd = POLLFD.get();
            pollfd.putInt(0, fd);
            pollfd.putInt(4, 0); // no events asked for: a hang-up or an error is always reported
            while (true) {
                int ready = LibC.get().poll(pollfd, 1, 0);
                if (ready >= 0) return ready > 0 && (pollfd.getShort(6) & (LibC.POLLHUP | LibC.POLLERR)) != 0;
                if (LibC.errno() != LibC.EINTR) throw OsException.lastError("poll(fd " + fd + ")");
            }
        } finally {
            exit();
        }
    }

    /** One {@code struct pollfd} per thread: a sender asks {@link #peerClosed} often, and allocates nothing for it. */
    private static final ThreadLocal<Pointer> POLLFD = ThreadLocal.withInitial(() -> Memory.allocateDirect(LibC.runtime(), 8, true));

    /** Shuts the input or the output direction of this end, for every process that holds it. */
    public void shutdown(boolean input) throws OsException, ClosedChannelException {
        enter();
        try {
            if (LibC.get().shutdown(fd, input ? LibC.SHUT_RD : LibC.SHUT_WR) != 0) throw OsException.lastError("shutdown(fd " + fd + ")");
        } finally {
            exit();
        }
    }

    /** A close-on-exec duplicate of the descriptor, owned by the caller. */
    public int duplicate() throws OsException, ClosedChannelException {
        enter();
        try {
            int copy = LibC.get().fcntl(fd, LibC.F_DUPFD_CLOEXEC, 3);
            if (copy < 0) throw OsException.lastError("fcntl(fd " + fd + ", F_DUPFD_CLOEXEC)");
            return copy;
        } finally {
            exit();
        }
    }

    /**
     * Registers {@code onReady} with {@code poller} for this socket, whose descriptor cannot be closed (and its
     * number taken by another file) during the registration.
     *
     * @throws ClosedChannelException once {@link #close()} was called
     */
    public FdPoller.Wait await(FdPoller poller, short events, Runnable onReady) throws OsException, ClosedChannelException {
        enter();
        try {
            return poller.await(fd, events, onReady);
        } finally {
            exit();
        }
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    @Override
    public void close() {
        while (true) {
            int s = state.get();
            if ((s & CLOSED) != 0) return;
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == 0) LibC.get().close(fd);
                return;
            }
        }
    }

    private void enter() throws ClosedChannelException {
        while (true) {
            int s = state.get();
            if ((s & CLOSED) != 0) throw new ClosedChannelException();
            if (state.compareAndSet(s, s + 1)) return;
        }
    }

    private void exit() {
        if (state.decrementAndGet() == CLOSED) LibC.get().close(fd);
    }

    @Override
    public String toString() {
        return "unix socket fd " + fd;
    }
}
