package dev.coproc.java;

import dev.coproc.ManagedValue;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.ManagerCalls;
import dev.coproc.java.internal.Suspending;
import java.util.Objects;
import kotlinx.serialization.KSerializer;
import kotlinx.serialization.Serializable;

/**
 * One value held by a manager process, for Java callers: Python's {@code manager.Value()}, of any type a record
 * component may have. Each call is one atomic round trip; a read is a copy. Give it to a task (a record component
 * of type {@code JavaValue<T>}) and the task's process uses the same value.
 *
 * <pre>{@code
 * JavaValue<String> status = manager.value(String.class, "idle");
 * boolean mine = status.compareAndSet("idle", "busy");
 * }</pre>
 *
 * The calls wait on the caller's thread; interrupting it cancels the call and throws {@link InterruptedException}.
 *
 * @param <T> the value's type
 */
@Serializable(with = JavaValue.Serializer.class)
public final class JavaValue<T> {
    private final ManagedValue<T> value;

    private JavaValue(ManagedValue<T> value) {
        this.value = value;
    }

    /** Wraps a value proxy made by Kotlin code. */
    public static <T> JavaValue<T> wrap(ManagedValue<T> value) {
        return new JavaValue<>(value);
    }

    /** The value now. */
    public T get() throws InterruptedException {
        return Suspending.blocking(value::get);
    }

    /** Sets it to {@code newValue} (never null). */
    public void set(T newValue) throws InterruptedException {
        T checked = Objects.requireNonNull(newValue, "a JavaValue is never null");
        Suspending.blocking(c -> value.set(checked, c));
    }

    /** Sets it to {@code newValue}; returns the value it replaced. */
    public T getAndSet(T newValue) throws InterruptedException {
        T checked = Objects.requireNonNull(newValue, "a JavaValue is never null");
        return Suspending.blocking(c -> value.getAndSet(checked, c));
    }

    /** Sets it to {@code newValue} if it is {@code expected} now (compared encoded), atomically; true if it did. */
    public boolean compareAndSet(T expected, T newValue) throws InterruptedException {
        T checked = Objects.requireNonNull(newValue, "a JavaValue is never null");
        return Suspending.<Boolean>blocking(c -> value.compareAndSet(expected, checked, c));
    }

    /** The Kotlin proxy behind this facade. */
    public ManagedValue<T> asKotlin() {
        return value;
    }

    @Override
    public String toString() {
        return value.toString();
    }

    /** Travels as the proxy it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaValue<Object>, ManagedValue<Object>> {
        Serializer(KSerializer<Object> values) {
            super(ManagerCalls.valueSerializer(values), JavaValue::new, facade -> facade.value);
        }
    }
}
