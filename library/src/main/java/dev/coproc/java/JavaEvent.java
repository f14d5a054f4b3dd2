package dev.coproc.java;

import dev.coproc.EventKt;
import dev.coproc.SharedEvent;
import dev.coproc.SharedObject;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.SyncCalls;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import kotlinx.serialization.Serializable;

/**
 * An event shared between processes, for Java callers: Python's {@code multiprocessing.Event}, a flag that
 * processes {@link #await} until one {@link #set}s it. Made here it lives in shared memory; a manager's
 * ({@link JavaManager#event()}) or a cluster's works the same. Give it to a task (a record component of type
 * {@code JavaEvent}) and the task's process uses the same event, whichever engine made it.
 *
 * The blocking calls honour interrupts: the wait stops and {@link InterruptedException} is thrown.
 */
@Serializable(with = JavaEvent.Serializer.class)
public final class JavaEvent implements AutoCloseable {
    private final SharedEvent event;

    private JavaEvent(SharedEvent event) {
        this.event = event;
    }

    /** A new event in shared memory, not set. */
    public static JavaEvent create() {
        return new JavaEvent(EventKt.Event());
    }

    /** Wraps an event of any engine made by Kotlin code. */
    public static JavaEvent wrap(SharedEvent event) {
        return new JavaEvent(event);
    }

    /** Sets the flag, waking every process waiting for it. */
    public void set() {
        event.set();
    }

    /** Clears the flag. */
    public void clear() {
        event.clear();
    }

    /** Whether the flag is set now. */
    public boolean isSet() {
        return event.isSet();
    }

    /** Waits until the flag is set (Python's {@code wait()}), as long as it takes. */
    public void await() throws InterruptedException {
        SyncCalls.await(event, null);
    }

    /** Waits until the flag is set, up to {@code timeout}; false if it was not set by then. */
    public boolean await(Duration timeout) throws InterruptedException {
        return SyncCalls.await(event, timeout);
    }

    /** Completes with true once the flag is set, or false after {@code timeout} (null: no limit). */
    public CompletableFuture<Boolean> awaitAsync(Duration timeout) {
        return SyncCalls.awaitAsync(event, timeout);
    }

    /** Lets go of this process's handle (a shared-memory event's mapping). */
    @Override
    public void close() {
        if (event instanceof SharedObject memory) memory.close();
    }

    /** The Kotlin event behind this facade. */
    public SharedEvent asKotlin() {
        return event;
    }

    @Override
    public String toString() {
        return event.toString();
    }

    /** Travels as the engine's event it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaEvent, SharedEvent> {
        Serializer() {
            super(SyncCalls.eventSerializer(), JavaEvent::new, facade -> facade.event);
        }
    }
}
