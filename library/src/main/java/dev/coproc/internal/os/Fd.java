package dev.coproc.internal.os;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.LastError;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A file descriptor this JVM owns, read and written with plain blocking system calls.
 *
 * <p>Java cannot wrap a raw fd number in a stream without {@code --add-opens}, and reopening it through
 * {@code /proc/self/fd} would create a second descriptor without close-on-exec. Keeping the original fd
 * keeps the close-on-exec flag it was created with, which is what makes parent-death detection by EOF work.
 *
 * <p>Closing an fd does not wake a thread blocked reading it, so the thread that reads an fd should be the one
 * that closes it, after EOF.
 */
public final class Fd implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;

    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    public Fd(int fd) {
        if (fd < 0) throw new IllegalArgumentException("not a file descriptor: " + fd);
        this.fd = fd;
    }

    /** The descriptor number. */
    public int number() {
        return fd;
    }

    /** Reads up to {@code length} bytes; returns -1 at end of file. */
    public int read(byte[] buffer, int offset, int length) throws IOException {
        ensureOpen();
        Pointer native_ = SCRATCH.get();
        int count = Math.min(length, CHUNK);
        while (true) {
            long n = LibC.get().read(fd, native_, count);
            if (n > 0) {
                native_.get(0, buffer, offset, (int) n);
                return (int) n;
            }
            if (n == 0) return -1;
            int errno = LibC.errno();
            if (errno != LibC.EINTR) throw new OsException("read(fd " + fd + ")", errno);
        }
    }

    /** Writes all of {@code length} bytes, looping over short writes. */
    public void write(byte[] buffer, int offset, int length) throws IOException {
        ensureOpen();
        Pointer native_ = SCRATCH.get();
        while (length > 0) {
            int count = Math.min(length, CHUNK);
            native_.put(0, buffer, offset, count);
            int done = 0;
            while (done < count) {
                long n = LibC.get().write(fd, native_.slice(done), count - done);
                if (n >= 0) {
                    done += (int) n;
                } else {
                    int errno = LibC.errno();
                    if (errno != LibC.EINTR) throw new OsException("write(fd " + fd + ")", errno);
                }
            }
            offset += count;
            length -= count;
        }
    }

    /**
     * Makes the open file non-blocking, for every descriptor that shares it (a pipe end only this process
     * holds, so the other process's end stays blocking). Then use {@link #readNow} and {@link #writeNow}.
     */
    public void setNonBlocking() throws OsException {
        int flags = LibC.get().fcntl(fd, LibC.F_GETFL, 0);
        if (flags < 0 || LibC.get().fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) < 0) {
            throw OsException.lastError("fcntl(fd " + fd + ", O_NONBLOCK)");
        }
    }

    /**
     * One read of a non-blocking descriptor straight into {@code array} (pinned only for the call, which
     * never waits).
     *
     * @return the bytes read, 0 at end of file, or {@link UnixSocket#WOULD_BLOCK}
     */
    public int readNow(byte[] array, int offset, int count) throws OsException {
        while (true) {
            long n = UnixSocket.HeapIo.CALLS.read(fd, ByteBuffer.wrap(array, offset, count), count);
            if (n >= 0) return (int) n;
            int errno = LastError.getLastError(UnixSocket.HeapIo.RUNTIME);
            if (errno == LibC.EINTR) continue;
            if (errno == LibC.EAGAIN) return UnixSocket.WOULD_BLOCK;
            throw new OsException("read(fd " + fd + ")", errno);
        }
    }

    /**
     * One write to a non-blocking descriptor straight from {@code array}; see {@link #readNow}.
     *
     * @return the bytes written, or {@link UnixSocket#WOULD_BLOCK}
     * @throws OsException EPIPE ({@link OsException#isBrokenPipe}) when the reading end is closed
     */
    public int writeNow(byte[] array, int offset, int count) throws OsException {
        while (true) {
            long n = UnixSocket.HeapIo.CALLS.write(fd, ByteBuffer.wrap(array, offset, count), count);
            if (n >= 0) return (int) n;
            int errno = LastError.getLastError(UnixSocket.HeapIo.RUNTIME);
            if (errno == LibC.EINTR) continue;
            if (errno == LibC.EAGAIN) return UnixSocket.WOULD_BLOCK;
            throw new OsException("write(fd " + fd + ")", errno);
        }
    }

    /** A stream view; closing it closes this fd. */
    public InputStream inputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return Fd.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) return 0;
                return Fd.this.read(b, off, len);
            }

            @Override
            public void close() {
                Fd.this.close();
            }
        };
    }

    /** A stream view; closing it closes this fd. */
    public OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                Fd.this.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Fd.this.write(b, off, len);
            }

            @Override
            public void close() {
                Fd.this.close();
            }
        };
    }

    /** True once closed. */
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) LibC.get().close(fd);
    }

    private void ensureOpen() throws IOException {
        if (closed.get()) throw new IOException("fd " + fd + " is closed");
    }

    /** One native buffer per thread, so concurrent readers and writers of different fds never share one. */
    private static final ThreadLocal<Pointer> SCRATCH = ThreadLocal.withInitial(() -> Memory.allocateDirect(LibC.runtime(), CHUNK));

    @Override
    public String toString() {
        return "fd " + fd;
    }
}
