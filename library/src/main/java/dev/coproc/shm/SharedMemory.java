package dev.coproc.shm;

import dev.coproc.os.OsException;
import dev.coproc.os.internal.LibC;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.ref.Cleaner;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Pointer;

/**
 * Shared memory without a name: a {@code memfd}, mapped in every process that holds its descriptor.
 *
 * <p>Nothing in {@code /dev/shm} can be left behind: the kernel frees the memory when the last process that
 * maps it or holds its descriptor is gone, however it ended. Other processes get it only by being handed the
 * descriptor (see {@link dev.coproc.os.FdSharer}), so there is no name to guess; it is {@code 0600} anyway.
 */
public final class SharedMemory implements AutoCloseable {
    private final int fd;
    private final MappedByteBuffer buffer;
    private final long address;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Cleaner.Cleanable cleanable;

    /** Closes the descriptor of a handle dropped without close(): a forgotten handle costs memory only until GC. */
    private static final Cleaner CLEANER = Cleaner.create();

    private SharedMemory(int fd, MappedByteBuffer buffer) {
        this.fd = fd;
        this.buffer = buffer;
        this.cleanable = CLEANER.register(this, new CloseOnce(fd, closed));
        this.buffer.order(ByteOrder.nativeOrder());
        this.address = Pointer.wrap(LibC.runtime(), buffer).address();
    }

    /** New zeroed shared memory of {@code bytes}; {@code label} shows in {@code /proc/<pid>/fd} (as memfd:label). */
    public static SharedMemory create(String label, long bytes) throws OsException {
        int fd = LibC.get().memfd_create("coproc-" + label, LibC.MFD_CLOEXEC);
        if (fd < 0) throw new OsException("memfd_create", LibC.errno());
        try {
            if (LibC.get().fchmod(fd, 0600) != 0) throw new OsException("fchmod", LibC.errno());
            if (LibC.get().ftruncate(fd, bytes) != 0) throw new OsException("ftruncate(" + bytes + ")", LibC.errno());
            return new SharedMemory(fd, map(fd));
        } catch (OsException | RuntimeException e) {
            LibC.get().close(fd);
            throw e;
        }
    }

    /** Maps the shared memory behind {@code fd}, a descriptor received from another process; takes ownership of it. */
    public static SharedMemory adopt(int fd) throws OsException {
        try {
            return new SharedMemory(fd, map(fd));
        } catch (OsException | RuntimeException e) {
            LibC.get().close(fd);
            throw e;
        }
    }

    private static MappedByteBuffer map(int fd) throws OsException {
        // Java maps only through a FileChannel; /proc/self/fd opens the same memory under a second descriptor,
        // which is closed again at once (the mapping stays).
        try (RandomAccessFile file = new RandomAccessFile("/proc/self/fd/" + fd, "rw")) {
            long size = file.length();
            if (size <= 0 || size > Integer.MAX_VALUE) throw new OsException(LibC.EPERM, "shared memory of " + size + " bytes cannot be mapped");
            return file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
        } catch (OsException e) {
            throw e;
        } catch (IOException e) {
            throw new OsException(LibC.EPERM, "cannot map shared memory (fd " + fd + "): " + e.getMessage());
        }
    }

    /** The mapping, in native byte order. */
    public MappedByteBuffer buffer() {
        return buffer;
    }

    /** The native address of the mapping's first byte (for futex words). */
    public long address() {
        return address;
    }

    /** A close-on-exec duplicate of the descriptor, owned by the caller: to hand over to another process. */
    public int duplicate() throws OsException {
        if (closed.get()) throw new OsException(LibC.EPERM, "shared memory handle closed");
        int copy = LibC.get().fcntl(fd, LibC.F_DUPFD_CLOEXEC, 3);
        if (copy < 0) throw new OsException("fcntl(F_DUPFD_CLOEXEC)", LibC.errno());
        return copy;
    }

    /**
     * Gives the pages of {@code [offset, offset + length)} back to the system; they read as zeros after.
     * Best effort: a kernel that cannot punch holes keeps them.
     */
    public void release(long offset, long length) {
        if (!closed.get()) LibC.get().fallocate(fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, offset, length);
    }

    /** Bytes of memory the system holds for this shared memory now: its allocated blocks, not its size. */
    public long allocatedBytes() {
        return jnr.posix.POSIXFactory.getNativePOSIX().fstat(fd).blocks() * 512L;
    }

    /**
     * Closes the descriptor. The mapping stays until the buffer is garbage collected: unmapping it under a
     * thread still reading it would crash the JVM.
     */
    @Override
    public void close() {
        cleanable.clean();
    }

    /** The cleaning action: must not reach the SharedMemory itself, or it would never become unreachable. */
    private static final class CloseOnce implements Runnable {
        private final int fd;
        private final AtomicBoolean closed;

        CloseOnce(int fd, AtomicBoolean closed) {
            this.fd = fd;
            this.closed = closed;
        }

        @Override
        public void run() {
            if (closed.compareAndSet(false, true)) LibC.get().close(fd);
        }
    }
}
