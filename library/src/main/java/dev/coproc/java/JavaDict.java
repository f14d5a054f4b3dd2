package dev.coproc.java;

import dev.coproc.ManagedDict;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.ManagerCalls;
import dev.coproc.java.internal.Suspending;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import kotlinx.serialization.KSerializer;
import kotlinx.serialization.Serializable;

/**
 * A dict held by a manager process, for Java callers: Python's {@code manager.dict()}. Every call is a round
 * trip to the manager, so every process that holds the dict sees the same entries. Give it to a task (a
 * record component of type {@code JavaDict<K, V>}) and the task's process uses the same dict.
 *
 * <pre>{@code
 * try (JavaManager manager = JavaManager.start()) {
 *     JavaDict<String, Integer> hits = manager.dict(String.class, Integer.class);
 *     hits.put("home", 1);
 *     Optional<Integer> home = hits.get("home");
 * }
 * }</pre>
 *
 * The blocking calls wait on the caller's thread; interrupting it cancels the call and throws
 * {@link InterruptedException} (the manager may have carried out a call that was on its way).
 *
 * @param <K> the keys' type
 * @param <V> the values' type
 */
@Serializable(with = JavaDict.Serializer.class)
public final class JavaDict<K, V> {
    private final ManagedDict<K, V> dict;

    private JavaDict(ManagedDict<K, V> dict) {
        this.dict = dict;
    }

    /** Wraps a dict proxy made by Kotlin code. */
    public static <K, V> JavaDict<K, V> wrap(ManagedDict<K, V> dict) {
        return new JavaDict<>(dict);
    }

    /** The value of {@code key}, if it has one. */
    public Optional<V> get(K key) throws InterruptedException {
        return Optional.ofNullable(Suspending.blocking(c -> dict.get(key, c)));
    }

    /** The value of {@code key}, if it has one, when the manager answers; cancelling the future cancels the call. */
    public CompletableFuture<Optional<V>> getAsync(K key) {
        return ManagerCalls.getAsync(dict, key);
    }

    /** Sets {@code key} to {@code value}. */
    public void put(K key, V value) throws InterruptedException {
        Suspending.blocking(c -> dict.set(key, value, c));
    }

    /** Sets {@code key} to {@code value}; the future completes once the manager did, and cancelling it cancels the call. */
    public CompletableFuture<Void> putAsync(K key, V value) {
        return ManagerCalls.putAsync(dict, key, value);
    }

    /** Removes {@code key}; its value, if it had one. */
    public Optional<V> remove(K key) throws InterruptedException {
        return Optional.ofNullable(Suspending.blocking(c -> dict.remove(key, c)));
    }

    /** Whether {@code key} has a value. */
    public boolean containsKey(K key) throws InterruptedException {
        return Suspending.<Boolean>blocking(c -> dict.containsKey(key, c));
    }

    /** The number of entries. */
    public int size() throws InterruptedException {
        return Suspending.<Integer>blocking(dict::size);
    }

    /** The keys now. */
    public List<K> keys() throws InterruptedException {
        return Suspending.blocking(dict::keys);
    }

    /** The values now. */
    public List<V> values() throws InterruptedException {
        return Suspending.blocking(dict::values);
    }

    /** A copy of the entries now. */
    public Map<K, V> items() throws InterruptedException {
        return Suspending.blocking(dict::items);
    }

    /** Sets every entry of {@code entries}, in one round trip. */
    public void putAll(Map<K, V> entries) throws InterruptedException {
        Suspending.blocking(c -> dict.putAll(entries, c));
    }

    /** The value of {@code key}, set to {@code value} first if it had none, in one step (Python's {@code setdefault}). */
    public V getOrPut(K key, V value) throws InterruptedException {
        return Suspending.blocking(c -> dict.getOrPut(key, value, c));
    }

    /** Removes every entry. */
    public void clear() throws InterruptedException {
        Suspending.blocking(dict::clear);
    }

    /** The Kotlin proxy behind this facade. */
    public ManagedDict<K, V> asKotlin() {
        return dict;
    }

    @Override
    public String toString() {
        return dict.toString();
    }

    /** Travels as the proxy it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaDict<Object, Object>, ManagedDict<Object, Object>> {
        Serializer(KSerializer<Object> keys, KSerializer<Object> values) {
            super(ManagerCalls.dictSerializer(keys, values), JavaDict::new, dict -> dict.dict);
        }
    }
}
