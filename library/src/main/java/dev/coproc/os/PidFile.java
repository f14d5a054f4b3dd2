package dev.coproc.os;

import dev.coproc.os.internal.LibC;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A daemon's pidfile: the pid in decimal, and an exclusive {@code flock} that the running daemon holds.
 *
 * <p>{@code flock} (not {@code fcntl} record locks, which {@link java.nio.channels.FileChannel#tryLock} uses)
 * belongs to the open file, so a daemon started with this file's descriptor keeps the lock after the
 * starter closed its own, and the kernel drops it when the daemon dies, however it dies: a lock nobody holds
 * means a stale pidfile.
 */
public final class PidFile implements AutoCloseable {
    private final Path path;
    private final Fd fd;

    private PidFile(Path path, Fd fd) {
        this.path = path;
        this.fd = fd;
    }

    /** Opens (creating it 0644 if missing) the pidfile at {@code path}, close-on-exec. */
    public static PidFile open(Path path) throws OsException {
        int fd = LibC.get().open(path.toString(), LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644);
        if (fd < 0) throw new OsException("open(" + path + ")", LibC.errno());
        return new PidFile(path, new Fd(fd));
    }

    public Path path() {
        return path;
    }

    /** The descriptor, to hand to the daemon so that it holds the lock. */
    public Fd fd() {
        return fd;
    }

    /** Takes the lock if nobody holds it; false when a running daemon (or a starter) holds it. */
    public boolean tryLock() throws OsException {
        if (LibC.get().flock(fd.number(), LibC.LOCK_EX | LibC.LOCK_NB) == 0) return true;
        int errno = LibC.errno();
        if (errno == LibC.EWOULDBLOCK) return false;
        throw new OsException("flock(" + path + ")", errno);
    }

    /** The pid written in the file, or 0 when it holds none. */
    public long readPid() throws OsException {
        byte[] bytes = new byte[32];
        long n = LibC.get().pread(fd.number(), bytes, bytes.length, 0);
        if (n < 0) throw new OsException("pread(" + path + ")", LibC.errno());
        String text = new String(bytes, 0, (int) n, StandardCharsets.US_ASCII).trim();
        try {
            return text.isEmpty() ? 0 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Replaces the file's content with {@code pid} and a newline. */
    public void writePid(long pid) throws OsException {
        byte[] bytes = (pid + "\n").getBytes(StandardCharsets.US_ASCII);
        if (LibC.get().ftruncate(fd.number(), 0) != 0) throw new OsException("ftruncate(" + path + ")", LibC.errno());
        if (LibC.get().pwrite(fd.number(), bytes, bytes.length, 0) != bytes.length) throw new OsException("pwrite(" + path + ")", LibC.errno());
    }

    /** Closes this descriptor; the lock stays while a daemon holds another descriptor of the same open file. */
    @Override
    public void close() {
        fd.close();
    }
}
