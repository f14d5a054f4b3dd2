package dev.coproc.os;

import dev.coproc.os.internal.LibC;

/** OS pipes whose both ends are close-on-exec from birth, so no concurrent spawn can inherit them. */
public final class Pipes {
    private Pipes() {}

    /** A new pipe: {@code [0]} is the read end, {@code [1]} the write end. */
    public static Fd[] open() throws OsException {
        int[] fds = new int[2];
        if (LibC.get().pipe2(fds, LibC.O_CLOEXEC) != 0) throw OsException.lastError("pipe2");
        return new Fd[] {new Fd(fds[0]), new Fd(fds[1])};
    }
}
