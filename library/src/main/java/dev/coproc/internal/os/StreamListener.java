package dev.coproc.internal.os;

/** A listening stream socket (Unix or TCP) whose {@link #accept} never blocks: wait for {@link FdPoller#READABLE} when it returns null. */
public interface StreamListener extends AutoCloseable {
    /** The descriptor, for the {@link FdPoller}. */
    int number();

    /**
     * The next connection, non-blocking and close-on-exec, or null when none is waiting.
     *
     * @throws OsException EMFILE or ENFILE when out of descriptors (ENOBUFS, ENOMEM: out of kernel memory): the
     *     connection stays queued, and an accept once some are free takes it
     */
    UnixSocket accept() throws OsException;

    /** Stops listening. */
    @Override
    void close();
}
