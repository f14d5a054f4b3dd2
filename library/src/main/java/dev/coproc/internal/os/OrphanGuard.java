package dev.coproc.internal.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Kills the process groups of this JVM's running commands when this JVM dies, however it dies (SIGKILL
 * included), so that no command is ever left behind as an orphan.
 *
 * <p>A worker JVM notices its parent's death by itself (end of file on its command pipe); an external program
 * does not. So a small guard process ({@code awk}, in a process group of its own) reads, from a pipe only this
 * JVM writes, the groups that start ({@code +pgid}) and end ({@code -pgid}); when the pipe reaches end of file,
 * which the kernel guarantees when the last writer, this JVM, is gone, it kills the groups still listed, then
 * exits. It costs one process per JVM that runs commands, started on the first one, and a short pipe write per
 * command start and end.
 */
public final class OrphanGuard {
    /** {@code kill -9 -group}: the form every {@code sh} accepts (dash's {@code kill} refuses {@code --} and names). */
    private static final String SCRIPT =
            "/^[+]/ { live[substr($0, 2)] = 1 } "
                    + "/^-/ { delete live[substr($0, 2)] } "
                    + "END { for (group in live) system(\"kill -9 -\" group \" 2>/dev/null\") }";

    private static Fd input;
    private static long pid;

    private OrphanGuard() {}

    /** Lists {@code processGroup}: killed if this JVM dies while it is listed. */
    public static void register(long processGroup) throws OsException {
        send("+" + processGroup + "\n", true);
    }

    /** Unlists {@code processGroup}: its leader ended (what it started on purpose may go on). */
    public static void unregister(long processGroup) throws OsException {
        send("-" + processGroup + "\n", false);
    }

    /** The guard's pid, or 0 before the first command: it lives as long as this JVM (tests tell it apart). */
    public static synchronized long pid() {
        return pid;
    }

    private static synchronized void send(String line, boolean start) throws OsException {
        if (input == null) {
            if (!start) return;
            launch();
        }
        byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
        try {
            input.write(bytes, 0, bytes.length);
        } catch (IOException e) {
            // The guard died (somebody killed it): start another one, which lists groups from now on.
            input.close();
            input = null;
            if (start) {
                launch();
                try {
                    input.write(bytes, 0, bytes.length);
                } catch (IOException again) {
                    throw new OsException(LibC.EPIPE, "the orphan guard cannot be reached: " + again.getMessage());
                }
            }
        }
    }

    private static void launch() throws OsException {
        Fd[] pipe = Pipes.open();
        try {
            int guard = Spawn.of(List.of("awk", SCRIPT))
                    .stdin(Spawn.Redirect.to(pipe[0]))
                    .stdout(Spawn.Redirect.NULL)
                    .stderr(Spawn.Redirect.NULL)
                    .newProcessGroup(true)
                    .start();
            Reaper.get().watch(guard);
            pid = guard;
            input = pipe[1];
        } catch (OsException | RuntimeException e) {
            pipe[1].close();
            throw e;
        } finally {
            pipe[0].close();
        }
    }
}
