package dev.coproc.java;

import dev.coproc.ManagedNamespace;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.ItemSerializers;
import dev.coproc.java.internal.ManagerCalls;
import dev.coproc.java.internal.Suspending;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import kotlinx.serialization.Serializable;

/**
 * Named attributes held by a manager process, for Java callers: Python's {@code manager.Namespace()}. Each
 * attribute is stored encoded as the class the caller names, and read back as the class the reader names. Give it
 * to a task (a record component of type {@code JavaNamespace}) and the task's process sees the same attributes.
 *
 * <pre>{@code
 * JavaNamespace settings = manager.namespace();
 * settings.set("threshold", Integer.class, 10);
 * Optional<Integer> threshold = settings.get("threshold", Integer.class);
 * }</pre>
 *
 * The calls wait on the caller's thread; interrupting it cancels the call and throws {@link InterruptedException}.
 * An attribute read as a class it was not stored as fails with {@link dev.coproc.MessageDecodingException}.
 */
@Serializable(with = JavaNamespace.Serializer.class)
public final class JavaNamespace {
    private final ManagedNamespace namespace;

    private JavaNamespace(ManagedNamespace namespace) {
        this.namespace = namespace;
    }

    /** Wraps a namespace proxy made by Kotlin code. */
    public static JavaNamespace wrap(ManagedNamespace namespace) {
        return new JavaNamespace(namespace);
    }

    /** The attribute {@code name} read as {@code type}, if it is set. */
    public <T> Optional<T> get(String name, Class<T> type) throws InterruptedException {
        return Optional.ofNullable(Suspending.blocking(c -> namespace.get(name, ItemSerializers.of(type), c)));
    }

    /** Sets the attribute {@code name} to {@code value} (never null), stored as {@code type}. */
    public <T> void set(String name, Class<T> type, T value) throws InterruptedException {
        T checked = Objects.requireNonNull(value, "a JavaNamespace's attributes are never null: remove() unsets one");
        Suspending.blocking(c -> namespace.set(name, checked, ItemSerializers.of(type), c));
    }

    /** Removes the attribute {@code name}; true if it was set. */
    public boolean remove(String name) throws InterruptedException {
        return Suspending.<Boolean>blocking(c -> namespace.remove(name, c));
    }

    /** The names set now. */
    public List<String> names() throws InterruptedException {
        return Suspending.blocking(namespace::names);
    }

    /** The Kotlin proxy behind this facade. */
    public ManagedNamespace asKotlin() {
        return namespace;
    }

    @Override
    public String toString() {
        return namespace.toString();
    }

    /** Travels as the proxy it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaNamespace, ManagedNamespace> {
        Serializer() {
            super(ManagerCalls.namespaceSerializer(), JavaNamespace::new, facade -> facade.namespace);
        }
    }
}
