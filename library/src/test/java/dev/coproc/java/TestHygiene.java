package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.internal.os.FdPoller;
import dev.coproc.internal.os.OsException;
import dev.coproc.internal.os.Pids;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/** After a test class: no child of this JVM left (running or zombie), no fd leaked. */
final class TestHygiene {
    private TestHygiene() {}

    static void assertNoChildren() throws IOException, OsException {
        long self = ProcessHandle.current().pid();
        for (long child : children(self)) {
            assertTrue(Pids.awaitExit(child, Duration.ofSeconds(10)), "child " + child + " still running");
        }
        assertEquals(0, children(self).length, "children of the test JVM left");
    }

    /**
     * After a class: no child left, and no more fds open than {@code fdsBefore} within 10 seconds. Polled, as the
     * Kotlin specs' {@code Hygiene} does: some descriptors are closed by their own threads a moment after the
     * objects that used them went (the fd sharer's socket once nothing is shared).
     */
    static void assertNothingLeft(long fdsBefore) throws IOException, OsException, InterruptedException {
        assertNoChildren();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (openFds() > fdsBefore && System.nanoTime() < deadline) Thread.sleep(10);
        long open = openFds();
        assertTrue(open <= fdsBefore, "fds leaked: " + open + " open, " + fdsBefore + " before: " + describeFds());
    }

    private static String describeFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return fd.getFileName() + "->" + Files.readSymbolicLink(fd);
                } catch (IOException e) {
                    return fd.getFileName() + "->?";
                }
            }).sorted().toList().toString();
        }
    }

    /**
     * The fds open before a class runs, once the poller's thread and epoll descriptor exist: the first test to
     * wait on a descriptor would otherwise seem to leak them when the class runs alone.
     */
    static long fdsBefore() throws IOException, OsException {
        FdPoller.get().start();
        return openFds();
    }

    static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static long[] children(long parent) throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            return entries.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .filter(p -> {
                        try {
                            String stat = Files.readString(p.resolve("stat"));
                            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                            return Long.parseLong(fields[1]) == parent;
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .mapToLong(p -> Long.parseLong(p.getFileName().toString()))
                    .filter(pid -> pid != dev.coproc.internal.os.OrphanGuard.pid()) // lives as long as this JVM, on purpose
                    .toArray();
        }
    }
}
