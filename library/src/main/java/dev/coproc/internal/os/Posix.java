package dev.coproc.internal.os;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/** The native jnr-posix instance; loaded on first use so that worker JVMs that never need it start fast. */
final class Posix {
    private Posix() {}

    private static final class Holder {
        static final POSIX POSIX = load();

        private static POSIX load() {
            POSIX posix = POSIXFactory.getNativePOSIX();
            if (!posix.isNative()) {
                // getPOSIX() would silently fall back to a Java emulation that cannot spawn or wait.
                throw new UnsupportedOperationException("coproc needs native POSIX calls, which jnr-posix could not load here");
            }
            return posix;
        }
    }

    static POSIX get() {
        return Holder.POSIX;
    }
}
