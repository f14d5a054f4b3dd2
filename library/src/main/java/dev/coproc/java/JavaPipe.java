package dev.coproc.java;

import dev.coproc.Connection;
import dev.coproc.PipeKt;
import dev.coproc.java.internal.ConnectionCalls;
import java.util.List;
import dev.coproc.java.internal.ItemSerializers;
import kotlinx.serialization.KSerializer;

/**
 * A new pipe for Java callers: two connected {@link JavaConnection} ends carrying messages of type {@code T},
 * Python's {@code Pipe()}.
 *
 * <pre>{@code
 * JavaPipe<String> pipe = JavaPipe.create(String.class);
 * try (JavaConnection<String> mine = pipe.first(); JavaConnection<String> theirs = pipe.second()) {
 *     JavaProcess<Void> child = JavaProcess.of(new Greet(theirs)).start();   // record Greet(JavaConnection<String> out)
 *     theirs.close();                                                         // the child holds it now
 *     System.out.println(mine.receive());
 * }
 * }</pre>
 *
 * @param <T> the messages' type, encoded as its class declares
 */
public final class JavaPipe<T> {
    private final JavaConnection<T> first;
    private final JavaConnection<T> second;

    private JavaPipe(List<Connection<T>> ends) {
        first = JavaConnection.wrap(ends.get(0));
        second = JavaConnection.wrap(ends.get(1));
    }

    /** A duplex pipe: both ends send and receive. */
    public static <T> JavaPipe<T> create(Class<T> messages) {
        return new JavaPipe<>(ConnectionCalls.pipe(serializer(messages), true, PipeKt.DEFAULT_MAX_MESSAGE_BYTES));
    }

    /** A one-way pipe: {@link #first()} only receives, {@link #second()} only sends. */
    public static <T> JavaPipe<T> oneWay(Class<T> messages) {
        return new JavaPipe<>(ConnectionCalls.pipe(serializer(messages), false, PipeKt.DEFAULT_MAX_MESSAGE_BYTES));
    }

    /** The first end (the receiving one of a one-way pipe). */
    public JavaConnection<T> first() {
        return first;
    }

    /** The second end (the sending one of a one-way pipe). */
    public JavaConnection<T> second() {
        return second;
    }

    private static <T> KSerializer<T> serializer(Class<T> messages) {
        return ItemSerializers.of(messages);
    }
}
