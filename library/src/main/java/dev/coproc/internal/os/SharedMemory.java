package dev.coproc.internal.os;

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
 * descriptor (see {@link dev.coproc.internal.os.FdSharer}), so there is no name to guess; it is {@code 0600} anyway.
 */
public final class SharedMemory implements AutoCloseable {
    private final int fd;
    private final MappedByteBuffer buffer;
    private final long address;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Cleaner.Cleanable cleanable;

    /** Closes the descriptor of a handle dropped without close(): a forgotten handle costs memory only until GC. */
    private static final Cleaner CLEANER = Cleaner.create();

    /** Writes a sealed memory's contents, once, through its descriptor (nothing maps it writable). */
    @FunctionalInterface
    public interface Filler {
        void fill(FileChannel channel) throws IOException;
    }

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
            return new SharedMemory(fd, map(fd, false));
        } catch (OsException | RuntimeException e) {
            LibC.get().close(fd);
            throw e;
        }
    }

    /**
     * New shared memory of {@code bytes} that nobody can ever change again: {@code filler} writes it through the
     * descriptor, then the kernel seals it against writing, growing and shrinking (memfd seals), and it is
     * mapped read-only. A process given it can only map it read-only too: the kernel refuses a writable
     * mapping or a write, so readers need not trust each other.
     */
    public static SharedMemory createSealed(String label, long bytes, Filler filler) throws OsException {
        int fd = LibC.get().memfd_create("coproc-" + label, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
        if (fd < 0) throw new OsException("memfd_create", LibC.errno());
        try {
            if (LibC.get().fchmod(fd, 0600) != 0) throw new OsException("fchmod", LibC.errno());
            if (LibC.get().ftruncate(fd, bytes) != 0) throw new OsException("ftruncate(" + bytes + ")", LibC.errno());
            try (RandomAccessFile file = new RandomAccessFile("/proc/self/fd/" + fd, "rw")) {
                filler.fill(file.getChannel());
            } catch (IOException e) {
                throw new OsException(LibC.EPERM, "cannot fill shared memory: " + e.getMessage());
            }
            int seals = LibC.F_SEAL_WRITE | LibC.F_SEAL_GROW | LibC.F_SEAL_SHRINK | LibC.F_SEAL_SEAL;
            if (LibC.get().fcntl(fd, LibC.F_ADD_SEALS, seals) != 0) throw new OsException("fcntl(F_ADD_SEALS)", LibC.errno());
            return new SharedMemory(fd, map(fd, true));
        } catch (OsException | RuntimeException e) {
            LibC.get().close(fd);
            throw e;
        }
    }

    /** Maps the shared memory behind {@code fd}, a descriptor received from another process; takes ownership of it. */
    public static SharedMemory adopt(int fd) throws OsException {
        try {
            return new SharedMemory(fd, map(fd, false));
        } catch (OsException | RuntimeException e) {
            LibC.get().close(fd);
            throw e;
        }
    }

    /**
     * Maps read-only the sealed memory behind {@code fd} (see {@link #createSealed}) or, with {@code file}, the
     * regular file opened read-only behind it; takes ownership of the descriptor. Memory that is not sealed
     * against writing is refused: whoever handed it over could still change it.
     */
    public static SharedMemory adoptReadOnly(int fd, boolean file) throws OsException {
        try {
            if (!file && (LibC.get().fcntl(fd, LibC.F_GET_SEALS, 0) & LibC.F_SEAL_WRITE) == 0) {
                throw new OsException(LibC.EPERM, "the memory handed over is not sealed against writing");
            }
            return new SharedMemory(fd, map(fd, true));
        } catch (OsException | RuntimeException e) {
            LibC.get().close(fd);
            throw e;
        }
    }

    /** Opens {@code path} read-only (close-on-exec) and maps it, for {@link #adoptReadOnly} in other processes. */
    public static SharedMemory openFile(java.nio.file.Path path) throws OsException {
        int fd = LibC.get().open(path.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw new OsException("open(" + path + ")", LibC.errno());
        return adoptReadOnly(fd, true);
    }

    /** Whether the mapping is read-only (sealed memory, a file). */
    public boolean isReadOnly() {
        return buffer.isReadOnly();
    }

    private static MappedByteBuffer map(int fd, boolean readOnly) throws OsException {
        // Java maps only through a FileChannel; /proc/self/fd opens the same memory under a second descriptor,
        // which is closed again at once (the mapping stays).
        try (RandomAccessFile file = new RandomAccessFile("/proc/self/fd/" + fd, readOnly ? "r" : "rw")) {
            long size = file.length();
            if (size <= 0 || size > Integer.MAX_VALUE) throw new OsException(LibC.EPERM, "shared memory of " + size + " bytes cannot be mapped (1 byte to 2 GiB)");
            return file.getChannel().map(readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE, 0, size);
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
