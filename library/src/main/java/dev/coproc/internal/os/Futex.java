package dev.coproc.internal.os;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * Sleeping on, and waking, a 32-bit word in shared memory: the {@code futex(2)} system call, without the
 * private flag, so that it works between processes mapping the same memory.
 */
public final class Futex {
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    /** x86_64 and aarch64: the two architectures a JDK 17 Linux build runs on here. */
    private static final long SYS_FUTEX = System.getProperty("os.arch").equals("aarch64") ? 98 : 202;

    /** Not API: jnr binds the six-argument form of syscall(2) here, apart from {@link LibC}'s. */
    @SaveError
    public interface Calls {
        long syscall(long number, long address, long operation, long value, Pointer timeout, long address2, long value3);
    }

    private static final class Holder {
        static final Calls CALLS = LibraryLoader.create(Calls.class).load("c");
    }

    private static final ThreadLocal<Pointer> TIMESPEC = ThreadLocal.withInitial(() -> Memory.allocateDirect(LibC.runtime(), 16, true));

    private Futex() {}

    /**
     * Sleeps while the word at {@code address} holds {@code expected}, until woken or for at most
     * {@code timeoutNanos} (negative: no limit). Returns at once if it holds something else. Spurious
     * returns happen: callers re-check their condition.
     */
    public static void await(long address, int expected, long timeoutNanos) {
        Pointer timeout = null;
        if (timeoutNanos >= 0) {
            timeout = TIMESPEC.get();
            timeout.putLong(0, timeoutNanos / 1_000_000_000L);
            timeout.putLong(8, timeoutNanos % 1_000_000_000L);
        }
        Holder.CALLS.syscall(SYS_FUTEX, address, FUTEX_WAIT, expected, timeout, 0, 0);
    }

    /** Wakes up to {@code count} processes' threads sleeping on the word at {@code address}. */
    public static void wake(long address, int count) {
        Holder.CALLS.syscall(SYS_FUTEX, address, FUTEX_WAKE, count, null, 0, 0);
    }
}
