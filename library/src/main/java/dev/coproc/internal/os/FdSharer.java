package dev.coproc.internal.os;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

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
 *
 * <p>This class keeps the grants; {@link SharingSocket} serves them and {@link DescriptorPassing} moves the
 * descriptor itself.
 */
public final class FdSharer {
    private static final FdSharer INSTANCE = new FdSharer();
    static final int TOKEN_BYTES = 16;

    /** Made on first use: a process that only fetches descriptors never pays for the security providers' start. */
    private SecureRandom random;
    /** What a fetch may present, by its secret in hex: each ticket's own secret, and each lease's. */
    private final Map<String, Grant> grants = new HashMap<>();
    /** Open while something is shared. */
    private SharingSocket socket;
    private boolean exitHookAdded;

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
        Ticket ticket = new Ticket(socket.path().toString(), secret, duplicate);
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
            DescriptorPassing.setTimeouts(fd);
            Pointer address = PrivateSockets.address(path);
            if (LibC.get().connect(fd, address, (int) address.size()) != 0) {
                throw new OsException(LibC.errno(), "cannot reach the process that shared this descriptor (" + path + "); it may have exited");
            }
            Pointer buffer = Memory.allocateDirect(LibC.runtime(), TOKEN_BYTES, true);
            buffer.put(0, secret, 0, TOKEN_BYTES);
            if (LibC.get().send(fd, buffer, TOKEN_BYTES, LibC.MSG_NOSIGNAL) != TOKEN_BYTES) throw OsException.lastError("send(ticket)");
            return DescriptorPassing.receive(fd, path);
        } finally {
            LibC.get().close(fd);
        }
    }

    /** Answers a client of the {@link SharingSocket} that presented {@code presented}: the descriptor, or a refusal. */
    synchronized void answer(int client, byte[] presented) {
        Grant grant = grants.get(HexFormat.of().formatHex(presented));
        if (grant != null && !MessageDigest.isEqual(grant.secret, presented)) grant = null;
        if (grant == null) {
            DescriptorPassing.send(client, DescriptorPassing.UNKNOWN, -1);
            return;
        }
        // Sent under the lock, so that a release cannot close the duplicate while it is being sent.
        Ticket ticket = grant.ticket();
        if (DescriptorPassing.send(client, DescriptorPassing.OK, ticket.duplicate)) {
            grant.fetched();
            retireIfDone(ticket);
        }
    }

    private synchronized SecureRandom random() {
        if (random == null) random = new SecureRandom();
        return random;
    }

    private synchronized void ensureListening() throws OsException {
        if (socket != null) return;
        socket = SharingSocket.open(this, random().nextLong());
        if (exitHookAdded) return;
        exitHookAdded = true;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Path path;
            synchronized (this) {
                path = socket == null ? null : socket.path();
            }
            PrivateSockets.deleteQuietly(path);
        }, "coproc-fd-sharer-exit"));
    }

    private void stopListening() {
        if (socket == null) return;
        socket.close();
        socket = null;
    }
}
