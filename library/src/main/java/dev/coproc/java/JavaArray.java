package dev.coproc.java;

import dev.coproc.ManagedArray;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.ManagerCalls;
import dev.coproc.java.internal.Suspending;
import java.util.List;
import java.util.Objects;
import kotlinx.serialization.KSerializer;
import kotlinx.serialization.Serializable;

/**
 * A fixed-size array held by a manager process, for Java callers: Python's {@code manager.Array()}, of any
 * element type a record component may have. Each call is one atomic round trip; an element read is a copy. Give it
 * to a task (a record component of type {@code JavaArray<T>}) and the task's process uses the same array.
 *
 * <pre>{@code
 * JavaArray<Double> totals = manager.array(Double.class, List.of(0.0, 0.0));
 * totals.set(1, 2.5);
 * }</pre>
 *
 * The calls wait on the caller's thread; interrupting it cancels the call and throws {@link InterruptedException}.
 * An index out of bounds fails with {@link dev.coproc.ManagerCallException} and leaves the array as it was.
 *
 * @param <T> the elements' type
 */
@Serializable(with = JavaArray.Serializer.class)
public final class JavaArray<T> {
    private final ManagedArray<T> array;

    private JavaArray(ManagedArray<T> array) {
        this.array = array;
    }

    /** Wraps an array proxy made by Kotlin code. */
    public static <T> JavaArray<T> wrap(ManagedArray<T> array) {
        return new JavaArray<>(array);
    }

    /** Element {@code index}. */
    public T get(int index) throws InterruptedException {
        return Suspending.blocking(c -> array.get(index, c));
    }

    /** Sets element {@code index} (never to null); returns the element it replaced. */
    public T set(int index, T item) throws InterruptedException {
        T checked = Objects.requireNonNull(item, "a JavaArray's elements are never null");
        return Suspending.blocking(c -> array.set(index, checked, c));
    }

    /** Its length. */
    public int size() throws InterruptedException {
        return Suspending.<Integer>blocking(array::size);
    }

    /** A copy of the whole array now. */
    public List<T> snapshot() throws InterruptedException {
        return Suspending.blocking(array::snapshot);
    }

    /** The Kotlin proxy behind this facade. */
    public ManagedArray<T> asKotlin() {
        return array;
    }

    @Override
    public String toString() {
        return array.toString();
    }

    /** Travels as the proxy it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaArray<Object>, ManagedArray<Object>> {
        Serializer(KSerializer<Object> values) {
            super(ManagerCalls.arraySerializer(values), JavaArray::new, facade -> facade.array);
        }
    }
}
