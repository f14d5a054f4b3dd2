package dev.coproc.java;

import dev.coproc.ManagedList;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.ManagerCalls;
import dev.coproc.java.internal.Suspending;
import java.util.List;
import java.util.Objects;
import kotlinx.serialization.KSerializer;
import kotlinx.serialization.Serializable;

/**
 * A list held by a manager process, for Java callers: Python's {@code manager.list()}. Every call is one atomic
 * round trip to the manager, so every process that holds the list sees the same elements; an element read is a
 * copy. Give it to a task (a record component of type {@code JavaList<T>}) and the task's process uses the same list.
 *
 * <pre>{@code
 * JavaList<String> log = manager.list(String.class);
 * log.add("started");
 * List<String> now = log.snapshot();
 * }</pre>
 *
 * The calls wait on the caller's thread; interrupting it cancels the call and throws {@link InterruptedException}
 * (the manager may have carried out a call that was on its way). An index out of bounds fails with
 * {@link dev.coproc.ManagerCallException} and leaves the list as it was.
 *
 * @param <T> the elements' type
 */
@Serializable(with = JavaList.Serializer.class)
public final class JavaList<T> {
    private final ManagedList<T> list;

    private JavaList(ManagedList<T> list) {
        this.list = list;
    }

    /** Wraps a list proxy made by Kotlin code. */
    public static <T> JavaList<T> wrap(ManagedList<T> list) {
        return new JavaList<>(list);
    }

    /** Appends {@code item} (never null). */
    public void add(T item) throws InterruptedException {
        T checked = Objects.requireNonNull(item, "a JavaList's elements are never null");
        Suspending.blocking(c -> list.append(checked, c));
    }

    /** Appends every one of {@code items}, in one round trip. */
    public void addAll(List<T> items) throws InterruptedException {
        Suspending.blocking(c -> list.extend(items, c));
    }

    /** Element {@code index}. */
    public T get(int index) throws InterruptedException {
        return Suspending.blocking(c -> list.get(index, c));
    }

    /** Sets element {@code index}; returns the element it replaced. */
    public T set(int index, T item) throws InterruptedException {
        T checked = Objects.requireNonNull(item, "a JavaList's elements are never null");
        return Suspending.blocking(c -> list.set(index, checked, c));
    }

    /** Removes element {@code index}; returns it. */
    public T remove(int index) throws InterruptedException {
        return Suspending.blocking(c -> list.removeAt(index, c));
    }

    /** The number of elements now. */
    public int size() throws InterruptedException {
        return Suspending.<Integer>blocking(list::size);
    }

    /** A copy of the whole list now. */
    public List<T> snapshot() throws InterruptedException {
        return Suspending.blocking(list::snapshot);
    }

    /** Removes every element. */
    public void clear() throws InterruptedException {
        Suspending.blocking(list::clear);
    }

    /** The Kotlin proxy behind this facade. */
    public ManagedList<T> asKotlin() {
        return list;
    }

    @Override
    public String toString() {
        return list.toString();
    }

    /** Travels as the proxy it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaList<Object>, ManagedList<Object>> {
        Serializer(KSerializer<Object> items) {
            super(ManagerCalls.listSerializer(items), JavaList::new, facade -> facade.list);
        }
    }
}
