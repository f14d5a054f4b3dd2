package dev.coproc.internal.os;

/** OS pipes whose both ends are close-on-exec from birth, so no concurrent spawn can inherit them. */
public final class Pipes {
    private Pipes() {}

    /** A new pipe: {@code [0]} is the read end, {@code [1]} the write end. */
    public static Fd[] open() throws OsException {
        int[] fds = new int[2];
        if (LibC.get().pipe2(fds, LibC.O_CLOEXEC) != 0) throw OsException.lastError("pipe2");
        return new Fd[] {new Fd(fds[0]), new Fd(fds[1])};
    }

    /**
     * Asks the kernel to buffer up to {@code bytes} in the pipe of {@code end}, so that a large message
     * crosses in one write instead of 64 KiB at a time, each a wake-up of the reader. Best effort: the kernel
     * caps it at {@code /proc/sys/fs/pipe-max-size} and refuses it once the user's pipes hold too much.
     *
     * @return the pipe's capacity now, in bytes
     */
    public static int requestCapacity(Fd end, int bytes) {
        LibC libc = LibC.get();
        // A refusal (EPERM over a limit) leaves the pipe as it was, which still works: only slower.
        libc.fcntl(end.number(), LibC.F_SETPIPE_SZ, bytes);
        return libc.fcntl(end.number(), LibC.F_GETPIPE_SZ, 0);
    }
}
