package dev.coproc.internal.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

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

    /**
     * Whether process {@code pid} holds this file's exclusive lock through a descriptor of its own, as the
     * daemon started with this file does. A live pid alone proves nothing (pids are reused); this is read from
     * {@code /proc/pid/fdinfo}, whose {@code lock:} lines list the locks held through that descriptor's open
     * file. False when it holds none, is gone, or cannot be inspected (another user's process).
     */
    public boolean isLockedBy(long pid) {
        if (pid <= 0) return false;
        Path process = Path.of("/proc", Long.toString(pid));
        try {
            Object file = fileKey(Path.of("/proc/self/fd", Integer.toString(fd.number())));
            try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(process.resolve("fd"))) {
                for (Path descriptor : descriptors) {
                    if (!file.equals(fileKeyOrNull(descriptor))) continue;
                    for (String line : Files.readAllLines(process.resolve("fdinfo").resolve(descriptor.getFileName().toString()))) {
                        if (line.startsWith("lock:") && line.contains(" FLOCK ") && line.contains(" WRITE ")) return true;
                    }
                }
            }
        } catch (IOException | UncheckedIOException | SecurityException e) {
            // Gone, or not ours to inspect: nothing is proven.
            return false;
        }
        return false;
    }

    private static Object fileKey(Path path) throws IOException {
        return Objects.requireNonNull(Files.readAttributes(path, BasicFileAttributes.class).fileKey(), "file key");
    }

    /** Null for a descriptor closed meanwhile or one that names no file this JVM can stat. */
    private static Object fileKeyOrNull(Path descriptor) {
        try {
            return Files.readAttributes(descriptor, BasicFileAttributes.class).fileKey();
        } catch (IOException | SecurityException e) {
            return null;
        }
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
