package dev.coproc.internal.os;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Kills the process groups of this JVM's running commands when this JVM dies, however it dies (SIGKILL
 * included), so that no command is ever left behind as an orphan.
 *
 * <p>A worker JVM notices its parent's death by itself (end of file on its command pipe); an external program
 * does not. So a small guard process ({@code awk}, in a process group of its own) waits for the end of a pipe
 * only this JVM writes, which the kernel brings when the last writer, this JVM, is gone; then it kills the
 * groups listed and exits. The groups are listed in a table of shared memory (a {@code memfd}, the guard's fd 3)
 * that this JVM writes with one store per command start and end: no system call, and no wake-up of the guard
 * competing with the command for a CPU. Each slot is one aligned 8-byte store, so a JVM killed in the middle of
 * one leaves the old line or the new one, never a torn number that would name somebody else's group. When every
 * slot is taken, a group is listed through the pipe instead ({@code +pgid}, {@code -pgid}). It costs one process
 * per JVM that runs commands, started on the first one; a guard somebody killed is replaced at once (or at the
 * next command start), and the new one reads the same table.
 */
public final class OrphanGuard {
    /** Slots in this JVM's table: 32 KiB, and a group is listed through the pipe beyond that. */
    private static final int SLOTS = 4096;
    /** A slot is a line of 8 bytes: a process group id of up to 7 digits (pid_max is at most 2^22) and '\n'. */
    private static final int SLOT_BYTES = 8;
    private static final long LARGEST_GROUP = 9_999_999;
    private static final int SIGKILL = 9;
    private static final VarHandle SLOT = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final long EMPTY = line("");
    private static final OrphanGuard JVM = new OrphanGuard(SLOTS);

    /** {@code kill -9 -group}: the form every {@code sh} accepts (dash's {@code kill} refuses {@code --} and names). */
    private static final String SCRIPT =
            "/^[+]/ { live[substr($0, 2)] = 1 } "
                    + "/^-/ { delete live[substr($0, 2)] } "
                    + "END { while ((getline group < \"/dev/fd/3\") > 0) if (group + 0 > 0) live[group + 0] = 1; "
                    + "for (group in live) system(\"kill -9 -\" group \" 2>/dev/null\") }";

    private final int slots;
    private final Map<Long, Integer> slotByGroup = new HashMap<>();
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    /** The groups listed through the pipe (the table full): sent again to a guard that replaces a dead one. */
    private final Set<Long> piped = new HashSet<>();
    private SharedMemory table;
    private Fd input;
    private long pid;
    private long launchedAt;
    private int quickDeaths;
    private CompletableFuture<Integer> exit;

    /** A guard of its own with a table of {@code slots} (tests: this JVM's commands use {@link #register}). */
    public OrphanGuard(int slots) {
        this.slots = slots;
    }

    /** Lists {@code processGroup} with this JVM's guard: killed if this JVM dies while it is listed. */
    public static void register(long processGroup) throws OsException {
        JVM.list(processGroup);
    }

    /** Unlists {@code processGroup}: its leader ended (what it started on purpose may go on). */
    public static void unregister(long processGroup) {
        JVM.unlist(processGroup);
    }

    /** This JVM's guard's pid, or 0 before the first command: it lives as long as this JVM (tests tell it apart). */
    public static long pid() {
        return JVM.guardPid();
    }

    /** Lists {@code processGroup}: killed if this JVM dies while it is listed. */
    public synchronized void list(long processGroup) throws OsException {
        if (input == null || reaped()) launch();
        Integer slot = slotByGroup.get(processGroup);
        if (slot == null && processGroup <= LARGEST_GROUP) slot = freeSlots.poll();
        if (slot == null) {
            piped.add(processGroup);
            if (!send("+" + processGroup + "\n")) {
                // The guard died (its end of the pipe is gone): a new one gets every piped group, this one too.
                launch();
            }
            return;
        }
        slotByGroup.put(processGroup, slot);
        SLOT.setOpaque(table.buffer(), slot * SLOT_BYTES, line(Long.toString(processGroup)));
    }

    /** Unlists {@code processGroup}. */
    public synchronized void unlist(long processGroup) {
        Integer slot = slotByGroup.remove(processGroup);
        if (slot != null) {
            SLOT.setOpaque(table.buffer(), slot * SLOT_BYTES, EMPTY);
            freeSlots.push(slot);
        } else if (piped.remove(processGroup)) {
            // A guard that is gone gets replaced off this thread (maybe the poller's), by replace().
            send("-" + processGroup + "\n");
        }
    }

    /** The guard process's pid, or 0 before the first group is listed. */
    public synchronized long guardPid() {
        return pid;
    }

    /** Whether the guard is known to be gone: reaped (not merely a failure of the watch on it). */
    private boolean reaped() {
        return exit.isDone() && !exit.isCompletedExceptionally();
    }

    /** Writes {@code line} to the guard; false when it is gone. */
    private boolean send(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
        try {
            input.write(bytes, 0, bytes.length);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * After the guard {@code ended} (somebody killed it: this JVM still runs), a new one at once while groups are
     * listed: it reads the same table and gets the piped groups again. Not after two guards in a row died within a
     * second of their start (a broken {@code awk} would be started again and again): the next command start does it.
     */
    private synchronized void replace(long ended) {
        if (pid != ended || !reaped() || (slotByGroup.isEmpty() && piped.isEmpty())) return;
        quickDeaths = System.nanoTime() - launchedAt < TimeUnit.SECONDS.toNanos(1) ? quickDeaths + 1 : 0;
        if (quickDeaths > 1) return;
        try {
            launch();
        } catch (OsException | RuntimeException e) {
            // The next command start tries again, and reports what fails.
        }
    }

    /**
     * Starts the guard, with the table as its fd 3 and the piped groups sent to it; called when there is none
     * yet or the last one is gone, so closing the last one's pipe changes nothing.
     */
    private void launch() throws OsException {
        if (table == null) table = newTable();
        if (input != null) {
            input.close();
            input = null;
        }
        Fd[] pipe = Pipes.open();
        int guard = -1;
        try (Fd tableFd = new Fd(table.duplicate())) {
            guard = Spawn.of(List.of("awk", SCRIPT))
                    .stdin(Spawn.Redirect.to(pipe[0]))
                    .stdout(Spawn.Redirect.NULL)
                    .stderr(Spawn.Redirect.NULL)
                    .mapFd(tableFd, 3)
                    .newProcessGroup(true)
                    .start();
            CompletableFuture<Integer> guardExit = Reaper.get().watch(guard);
            exit = guardExit;
            pid = guard;
            input = pipe[1];
            launchedAt = System.nanoTime();
            for (long group : piped) {
                if (!send("+" + group + "\n")) throw new OsException(LibC.EPIPE, "the orphan guard ended as it started");
            }
            int started = guard;
            // Off the poller's thread, which completes the exit and must not wait for a spawn.
            guardExit.whenCompleteAsync((status, failure) -> replace(started));
        } catch (OsException | RuntimeException e) {
            if (guard > 0 && input == null) {
                // Spawned but not watched: its end of file would run its END, killing every listed group. A
                // SIGKILL ends it before that; it is reaped here, as nobody else watches it.
                Posix.get().kill(guard, SIGKILL);
                Posix.get().waitpid(guard, new int[1], 0);
            }
            pipe[1].close();
            if (input == pipe[1]) input = null;
            throw e;
        } finally {
            pipe[0].close();
        }
    }

    private SharedMemory newTable() throws OsException {
        SharedMemory memory = SharedMemory.create("orphan-guard", (long) slots * SLOT_BYTES);
        for (int slot = 0; slot < slots; slot++) {
            SLOT.setOpaque(memory.buffer(), slot * SLOT_BYTES, EMPTY);
            freeSlots.add(slot);
        }
        return memory;
    }

    /** {@code text} right-aligned in 7 spaces and a newline, as the 8 bytes of one store in native order. */
    private static long line(String text) {
        byte[] bytes = String.format("%7s\n", text).getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getLong();
    }
}
