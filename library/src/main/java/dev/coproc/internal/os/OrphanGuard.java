package dev.coproc.internal.os;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

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
    private SharedMemory table;
    private Fd input;
    private long pid;
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
    public static void unregister(long processGroup) throws OsException {
        JVM.unlist(processGroup);
    }

    /** This JVM's guard's pid, or 0 before the first command: it lives as long as this JVM (tests tell it apart). */
    public static long pid() {
        return JVM.guardPid();
    }

    /** Lists {@code processGroup}: killed if this JVM dies while it is listed. */
    public synchronized void list(long processGroup) throws OsException {
        if (input == null || exit.isDone()) launch();
        Integer slot = processGroup <= LARGEST_GROUP ? freeSlots.poll() : null;
        if (slot == null) {
            send("+" + processGroup + "\n", true);
            return;
        }
        slotByGroup.put(processGroup, slot);
        SLOT.setOpaque(table.buffer(), slot * SLOT_BYTES, line(Long.toString(processGroup)));
    }

    /** Unlists {@code processGroup}. */
    public synchronized void unlist(long processGroup) throws OsException {
        Integer slot = slotByGroup.remove(processGroup);
        if (slot == null) {
            send("-" + processGroup + "\n", false);
            return;
        }
        SLOT.setOpaque(table.buffer(), slot * SLOT_BYTES, EMPTY);
        freeSlots.push(slot);
    }

    /** The guard process's pid, or 0 before the first group is listed. */
    public synchronized long guardPid() {
        return pid;
    }

    private void send(String line, boolean start) throws OsException {
        if (input == null) return;
        byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
        try {
            input.write(bytes, 0, bytes.length);
        } catch (IOException e) {
            // The guard died (somebody killed it): start another one, which reads the table but knows only the
            // groups listed through the pipe from now on.
            launch();
            if (start) {
                try {
                    input.write(bytes, 0, bytes.length);
                } catch (IOException again) {
                    throw new OsException(LibC.EPIPE, "the orphan guard cannot be reached: " + again.getMessage());
                }
            }
        }
    }

    /**
     * After the guard {@code ended} (somebody killed it: this JVM still runs), a new one at once while groups are
     * listed, which reads the same table: those groups stay guarded.
     */
    private synchronized void replace(long ended) {
        if (pid != ended || slotByGroup.isEmpty()) return;
        try {
            launch();
        } catch (OsException | RuntimeException e) {
            // The next command start tries again, and reports what fails.
        }
    }

    /** Starts the guard (again, if somebody killed the last one), with the table as its fd 3. */
    private void launch() throws OsException {
        if (table == null) table = newTable();
        if (input != null) {
            input.close();
            input = null;
        }
        Fd[] pipe = Pipes.open();
        Fd tableFd = new Fd(table.duplicate());
        try {
            int guard = Spawn.of(List.of("awk", SCRIPT))
                    .stdin(Spawn.Redirect.to(pipe[0]))
                    .stdout(Spawn.Redirect.NULL)
                    .stderr(Spawn.Redirect.NULL)
                    .mapFd(tableFd, 3)
                    .newProcessGroup(true)
                    .start();
            exit = Reaper.get().watch(guard);
            pid = guard;
            input = pipe[1];
            // Off the poller's thread, which completes the exit and must not wait for a spawn.
            exit.whenCompleteAsync((status, failure) -> replace(guard));
        } catch (OsException | RuntimeException e) {
            pipe[1].close();
            throw e;
        } finally {
            pipe[0].close();
            tableFd.close();
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
