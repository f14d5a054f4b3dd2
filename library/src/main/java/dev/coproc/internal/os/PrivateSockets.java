package dev.coproc.internal.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * The Unix sockets only this user may reach: the private directory they live in, their addresses, their
 * peers' uid, and the sweep of those that killed processes left. Shared by {@link FdSharer} and
 * {@link UnixListener}.
 */
final class PrivateSockets {
    private PrivateSockets() {}

    /** {@code <tmpdir>/coproc-<uid>}, mode 0700 and ours, or an error: a directory others could write is refused. */
    static Path directory() throws OsException {
        int uid = LibC.get().getuid();
        Path directory = Path.of(System.getProperty("java.io.tmpdir"), "coproc-" + uid);
        try {
            if (!Files.isDirectory(directory)) {
                try {
                    Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // created by another process of ours meanwhile: checked below
                }
            }
            Object owner = Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS);
            if (!(owner instanceof Integer) || (Integer) owner != uid || !permissions.equals(PosixFilePermissions.fromString("rwx------"))) {
                throw new OsException(LibC.EPERM, directory + " must be a directory owned by uid " + uid + " with mode 0700");
            }
            return directory;
        } catch (IOException e) {
            if (e instanceof OsException) throw (OsException) e;
            throw new OsException(LibC.EPERM, "cannot prepare " + directory + ": " + e);
        }
    }

    /** struct sockaddr_un: the family, then the NUL-terminated path (at most 107 bytes). */
    static Pointer address(String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 107) throw new IllegalArgumentException("socket path too long (" + bytes.length + " bytes > 107): " + path);
        Pointer address = Memory.allocateDirect(LibC.runtime(), 2 + bytes.length + 1, true);
        address.putShort(0, (short) LibC.AF_UNIX);
        address.put(2, bytes, 0, bytes.length);
        address.putByte(2 + bytes.length, (byte) 0);
        return address;
    }

    /** The uid of the process at the other end of the socket {@code fd}, or -1. */
    static int peerUid(int fd) {
        Pointer credentials = Memory.allocateDirect(LibC.runtime(), 12, true);
        IntByReference length = new IntByReference(12);
        if (LibC.get().getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_PEERCRED, credentials, length) != 0) return -1;
        return credentials.getInt(4); // struct ucred { pid, uid, gid }
    }

    /** Sockets {@code <prefix>-<pid>-*.sock} left by processes that were killed before they could delete theirs. */
    static void sweepStale(Path directory, String prefix) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, prefix + "-*.sock")) {
            for (Path entry : entries) {
                String[] parts = entry.getFileName().toString().split("-");
                if (parts.length < 3) continue;
                try {
                    long pid = Long.parseLong(parts[1]);
                    if (pid != Pids.current() && !Files.exists(Path.of("/proc", Long.toString(pid)))) deleteQuietly(entry);
                } catch (NumberFormatException ignored) {
                    // not one of ours
                }
            }
        } catch (IOException ignored) {
            // best effort
        }
    }

    static void deleteQuietly(Path path) {
        try {
            if (path != null) Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the sweep of a later process removes it
        }
    }
}
