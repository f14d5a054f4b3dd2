package dev.coproc.java;

import dev.coproc.ReceivedSignalsKt;
import dev.coproc.os.Signals;
import java.util.function.IntConsumer;

/**
 * Signals this JVM receives, for Java callers: Python's {@code signal.signal}, scoped. Signal numbers are
 * {@link Signals}' constants, which also send them ({@link Signals#send}, {@link Signals#sendToGroup}).
 *
 * <pre>{@code
 * try (AutoCloseable handlers = JavaSignals.handle(signal -> reload(), Signals.SIGHUP)) {
 *     serve();                                  // SIGHUP calls reload() until the handlers are closed
 * }
 * }</pre>
 */
public final class JavaSignals {
    private JavaSignals() {}

    /**
     * Calls {@code handler} (on the JVM's signal thread: keep it short) for each of {@code signals} this JVM
     * receives, until the returned handle is closed, which puts back the previous handlers (the JVM's own shutdown
     * on SIGTERM, SIGINT and SIGHUP among them). The handlers are in place when this returns.
     *
     * @throws IllegalArgumentException for no signal, or one that cannot be handled (SIGKILL, SIGSTOP, and SIGQUIT,
     *     which the JVM keeps)
     */
    public static AutoCloseable handle(IntConsumer handler, int... signals) {
        return ReceivedSignalsKt.handleSignals(signals.clone(), signal -> {
            handler.accept(signal);
            return kotlin.Unit.INSTANCE;
        });
    }
}
