package dev.coproc.os;

import dev.coproc.os.internal.LibC;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * Hands open descriptors of this process to other processes of the same user, as Python's
 * {@code resource_sharer} does: {@link #share} keeps a duplicate and returns a {@link Ticket}; another process
 * presents the ticket's secret to this process's socket and receives the descriptor itself ({@code SCM_RIGHTS}).
 *
 * <p>Passing the descriptor, not a name, keeps the kernel's reference counts exact: a pipe end held by a
 * child is a real open descriptor there, so end-of-stream arrives when, and only when, every holder closed.
 * The duplicate kept here covers the time the ticket is in flight, so the sender may close its own copy at
 * once. The socket is {@code 0600} in a {@code 0700} directory, a peer must run as the same user, and must
 * present the ticket's 128-bit secret. The socket exists only while something is shared.
 *
 * <p>Two ways to count the messages that carry a descriptor. A message nobody follows (a queue item, a pipe
 * message) is counted with {@link Ticket#issue()} and the duplicate waits for as many fetches: one that is never
 * received keeps it until this process exits. A message whose destination has a known life (a task for a child
 * process or a pool) carries a {@link Lease} instead: its own secret, fetched without counting toward the issued
 * ones, and released by its owner when that life is over (the child reaped, the task done or dropped), so a
 * destination that died before fetching holds nothing here.
 */
public final class FdSharer {
    private static final FdSharer INSTANCE = new FdSharer();
    private static final int TOKEN_BYTES = 16;
    private static final byte OK = 0;
    private static final byte UNKNOWN = 1;
    private static final int FETCH_TIMEOUT_MILLIS = 10_000;

    /** Made on first use: a process that only fetches descriptors never pays for the security providers' start. */
    private SecureRandom random;
    /** What a fetch may present, by its secret in hex: each ticket's own secret, and each lease's. */
    private final Map<String, Grant> grants = new HashMap<>();
    private Path socketPath;
    private int listenFd = -1;
    private Thread thread;

    private FdSharer() {}

    /** This process's sharer. */
    public static FdSharer get() {
        return INSTANCE;
    }

    /** What a message carries to fetch a shared descriptor: the sharer's socket and a secret, a ticket's own or a lease's. */
    public abstract static class Grant {
        final String path;
        final byte[] secret;
        final String key;

        Grant(String path, byte[] secret) {
            this.path = path;
            this.secret = secret;
            this.key = HexFormat.of().formatHex(secret);
        }

        /** The ticket whose duplicate a fetch through this grant receives. */
        abstract Ticket ticket();

        /** A fetch through this grant succeeded; called under the sharer's lock. */
        abstract void fetched();

        /** The sharer's socket. */
        public String path() {
            return path;
        }

        /** The secret a fetcher presents (a copy). */
        public byte[] secret() {
            return secret.clone();
        }
    }

    /**
     * What another process needs to fetch a shared descriptor: the sharer's socket path and a secret.
     * It is issued once per source descriptor and may go into any number of messages.
     */
    public final class Ticket extends Grant {
        private final int duplicate;
        private int issued;
        private int fetched;
        private int leases;
        private boolean sourceOpen = true;

        private Ticket(String path, byte[] secret, int duplicate) {
            super(path, secret);
            this.duplicate = duplicate;
        }

        @Override
        Ticket ticket() {
            return this;
        }

        @Override
        void fetched() {
            fetched++;
        }

        /** Counts one more message carrying this ticket: the duplicate is kept until as many fetches came. */
        public void issue() {
            synchronized (FdSharer.this) {
                issued++;
            }
        }

        /**
         * A lease on the descriptor for one message whose destination's life its owner follows: the message
         * carries the lease's own secret, and the duplicate is kept while the lease is held. A fetch through a
         * lease counts toward no {@link #issue()}d message. {@code reusable}: the lease may be fetched any
         * number of times until released (a message its owner may send again, as a pool retries a task on
         * another worker); otherwise its first fetch spends it, as a fetch answers an issued message.
         */
        public Lease lease(boolean reusable) throws OsException {
            synchronized (FdSharer.this) {
                if (grants.get(key) != this) throw new OsException(LibC.ENOENT, "the descriptor is no longer shared");
                byte[] leaseSecret = new byte[TOKEN_BYTES];
                random().nextBytes(leaseSecret);
                Lease lease = new Lease(this, leaseSecret, reusable);
                grants.put(lease.key, lease);
                leases++;
                return lease;
            }
        }

        /**
         * The source descriptor was closed in this process: the duplicate is closed once every issued ticket
         * was fetched and every lease released. A ticket never put in a message, or whose message was lost,
         * keeps it until this process exits.
         */
        public void release() {
            synchronized (FdSharer.this) {
                sourceOpen = false;
                retireIfDone(this);
            }
        }
    }

    /**
     * A secret of its own for one message carrying a {@link Ticket}'s descriptor, held by whoever follows that
     * message's destination, and released when the destination can fetch no more (it ended, or the message was
     * dropped). See {@link Ticket#lease}.
     */
    public final class Lease extends Grant {
        private final Ticket ticket;
        private final boolean reusable;
        private boolean held = true;

        private Lease(Ticket ticket, byte[] secret, boolean reusable) {
            super(ticket.path, secret);
            this.ticket = ticket;
            this.reusable = reusable;
        }

        @Override
        Ticket ticket() {
            return ticket;
        }

        @Override
        void fetched() {
            if (!reusable) end();
        }

        /** The destination can fetch no more: the descriptor is no longer kept for it. Idempotent. */
        public void release() {
            synchronized (FdSharer.this) {
                end();
            }
        }

        private void end() {
            if (!held) return;
            held = false;
            grants.remove(key);
            ticket.leases--;
            retireIfDone(ticket);
        }
    }

    /**
     * Shares {@code duplicate}, a descriptor the sharer now owns (a duplicate of the caller's: the caller keeps
     * its own), until the ticket is released and every issued copy was fetched.
     */
    public synchronized Ticket share(int duplicate) throws OsException {
        ensureListening();
        byte[] secret = new byte[TOKEN_BYTES];
        random().nextBytes(secret);
        Ticket ticket = new Ticket(socketPath.toString(), secret, duplicate);
        grants.put(ticket.key, ticket);
        return ticket;
    }

    private void retireIfDone(Ticket ticket) {
        if (ticket.sourceOpen || ticket.leases > 0 || ticket.fetched < ticket.issued) return;
        if (grants.remove(ticket.key) == null) return;
        LibC.get().close(ticket.duplicate);
        if (grants.isEmpty()) stopListening();
    }

    /**
     * Fetches the descriptor behind a ticket from the process that shared it; the caller owns the returned
     * close-on-exec descriptor.
     *
     * @throws OsException when the sharer is gone (its process exited) or no longer holds the descriptor
     */
    public static int fetch(String path, byte[] secret) throws OsException {
        int fd = LibC.get().socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) throw OsException.lastError("socket");
        try {
            setTimeouts(fd);
            Pointer address = socketAddress(path);
            if (LibC.get().connect(fd, address, (int) address.size()) != 0) {
                throw new OsException(LibC.errno(), "cannot reach the process that shared this descriptor (" + path + "); it may have exited");
            }
            Pointer buffer = Memory.allocateDirect(LibC.runtime(), TOKEN_BYTES, true);
            buffer.put(0, secret, 0, TOKEN_BYTES);
            if (LibC.get().send(fd, buffer, TOKEN_BYTES, LibC.MSG_NOSIGNAL) != TOKEN_BYTES) throw OsException.lastError("send(ticket)");
            return receiveDescriptor(fd, path);
        } finally {
            LibC.get().close(fd);
        }
    }

    private static int receiveDescriptor(int fd, String path) throws OsException {
        Pointer status = Memory.allocateDirect(LibC.runtime(), 1, true);
        Pointer message = messageHeader(status);
        long n;
        do {
            n = LibC.get().recvmsg(fd, message, LibC.MSG_CMSG_CLOEXEC);
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

    private synchronized SecureRandom random() {
        if (random == null) random = new SecureRandom();
        return random;
    }

    private synchronized void ensureListening() throws OsException {
        if (listenFd >= 0) return;
        Path directory = privateDirectory();
        sweepStaleSockets(directory);
        Path path = directory.resolve("share-" + Pids.current() + "-" + Long.toHexString(random().nextLong()) + ".sock");
        // The serving thread owns the socket (and closes it): the listener object only set it up.
        int fd = UnixListener.bind(path, false).number();
        listenFd = fd;
        socketPath = path;
        int listening = fd;
        thread = new Thread(null, () -> serve(listening, path), "coproc-fd-sharer", 256 * 1024);
        thread.setDaemon(true);
        thread.start();
        ensureExitHook();
    }

    private void stopListening() {
        if (listenFd < 0) return;
        // Wakes the accept() in progress; the serving thread closes the socket on its way out.
        LibC.get().shutdown(listenFd, LibC.SHUT_RDWR);
        listenFd = -1;
        deleteQuietly(socketPath);
        socketPath = null;
        thread = null;
    }

    private void serve(int listening, Path path) {
        Pointer buffer = Memory.allocateDirect(LibC.runtime(), TOKEN_BYTES, true);
        long backOffMillis = 0;
        try {
            while (true) {
                int client = LibC.get().accept4(listening, null, null, LibC.SOCK_CLOEXEC);
                if (client < 0) {
                    int errno = LibC.errno();
                    if (errno == LibC.EINTR || errno == LibC.ECONNABORTED) continue;
                    if (errno == LibC.EMFILE || errno == LibC.ENFILE || errno == LibC.ENOBUFS || errno == LibC.ENOMEM) {
                        // Out of descriptors or kernel memory for now: the fetcher waits in the backlog (its
                        // own timeout bounds that), and sharing must go on once this process has some again.
                        backOffMillis = Math.min(1_000, Math.max(50, backOffMillis * 2));
                        if (!pause(backOffMillis)) return;
                        continue;
                    }
                    return; // shut down by stopListening()
                }
                backOffMillis = 0;
                try {
                    answer(client, buffer);
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

    private void answer(int client, Pointer buffer) {
        setTimeouts(client);
        if (peerUid(client) != LibC.get().getuid()) return;
        int read = 0;
        while (read < TOKEN_BYTES) {
            long n = LibC.get().recv(client, buffer.slice(read), TOKEN_BYTES - read, 0);
            if (n <= 0 && !(n < 0 && LibC.errno() == LibC.EINTR)) return;
            if (n > 0) read += (int) n;
        }
        byte[] presented = new byte[TOKEN_BYTES];
        buffer.get(0, presented, 0, TOKEN_BYTES);
        synchronized (this) {
            Grant grant = grants.get(HexFormat.of().formatHex(presented));
            if (grant != null && !MessageDigest.isEqual(grant.secret, presented)) grant = null;
            if (grant == null) {
                sendStatus(client, UNKNOWN, -1);
                return;
            }
            // Sent under the lock, so that a release cannot close the duplicate while it is being sent.
            Ticket ticket = grant.ticket();
            if (sendStatus(client, OK, ticket.duplicate)) {
                grant.fetched();
                retireIfDone(ticket);
            }
        }
    }

    private static boolean sendStatus(int client, byte status, int fd) {
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
        return LibC.get().sendmsg(client, message, LibC.MSG_NOSIGNAL) == 1;
    }

    /** struct cmsghdr carrying one int: {@code CMSG_LEN(4)} and its aligned space {@code CMSG_SPACE(4)}. */
    private static final long CMSG_LEN_ONE_FD = 20;
    private static final long CMSG_SPACE_ONE_FD = 24;

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

    /** struct sockaddr_un: the family, then the NUL-terminated path (at most 107 bytes). */
    static Pointer socketAddress(String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 107) throw new IllegalArgumentException("socket path too long (" + bytes.length + " bytes > 107): " + path);
        Pointer address = Memory.allocateDirect(LibC.runtime(), 2 + bytes.length + 1, true);
        address.putShort(0, (short) LibC.AF_UNIX);
        address.put(2, bytes, 0, bytes.length);
        address.putByte(2 + bytes.length, (byte) 0);
        return address;
    }

    static int peerUid(int fd) {
        Pointer credentials = Memory.allocateDirect(LibC.runtime(), 12, true);
        IntByReference length = new IntByReference(12);
        if (LibC.get().getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_PEERCRED, credentials, length) != 0) return -1;
        return credentials.getInt(4); // struct ucred { pid, uid, gid }
    }

    /** A stuck peer must not hold a fetch (or the serving thread) forever. */
    private static void setTimeouts(int fd) {
        Pointer timeval = Memory.allocateDirect(LibC.runtime(), 16, true);
        timeval.putLong(0, FETCH_TIMEOUT_MILLIS / 1000);
        timeval.putLong(8, 0);
        LibC.get().setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeval, 16);
        LibC.get().setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDTIMEO, timeval, 16);
    }

    /** {@code <tmpdir>/coproc-<uid>}, mode 0700 and ours, or an error: a directory others could write is refused. */
    static Path privateDirectory() throws OsException {
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
            Object owner = Files.getAttribute(directory, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (!(owner instanceof Integer) || (Integer) owner != uid || !permissions.equals(PosixFilePermissions.fromString("rwx------"))) {
                throw new OsException(LibC.EPERM, directory + " must be a directory owned by uid " + uid + " with mode 0700");
            }
            return directory;
        } catch (IOException e) {
            if (e instanceof OsException) throw (OsException) e;
            throw new OsException(LibC.EPERM, "cannot prepare " + directory + ": " + e);
        }
    }

    /** Sockets left by processes that were killed before they could delete theirs. */
    private static void sweepStaleSockets(Path directory) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "share-*.sock")) {
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

    private boolean exitHookAdded;

    private void ensureExitHook() {
        if (exitHookAdded) return;
        exitHookAdded = true;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Path path;
            synchronized (this) {
                path = socketPath;
            }
            if (path != null) deleteQuietly(path);
        }, "coproc-fd-sharer-exit"));
    }

    private static void deleteQuietly(Path path) {
        try {
            if (path != null) Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the sweep of a later process removes it
        }
    }
}
