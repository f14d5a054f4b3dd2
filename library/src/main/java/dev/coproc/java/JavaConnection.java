package dev.coproc.java;

import dev.coproc.Connection;
import dev.coproc.internal.codec.TravelsAs;
import dev.coproc.java.internal.ConnectionCalls;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import kotlinx.serialization.KSerializer;
import kotlinx.serialization.Serializable;

/**
 * One end of a {@link JavaPipe}, for Java callers: messages of type {@code T} (or raw bytes) to and from the
 * other end, in order. Give it to a task (a record component of type {@code JavaConnection<T>}) and the task's
 * process holds this end.
 *
 * <p>The blocking calls wait on the caller's thread; interrupting it cancels the wait and throws
 * {@link InterruptedException} (a message half sent is finished first, so the stream stays whole). Failures
 * are coproc's exceptions: {@code EndOfStreamException} once every holder of the other end closed it and
 * everything was read, {@code BrokenPipeException} when sending to an end nobody holds.
 *
 * @param <T> the messages' type
 */
@Serializable(with = JavaConnection.Serializer.class)
public final class JavaConnection<T> implements AutoCloseable {
    private final Connection<T> connection;

    private JavaConnection(Connection<T> connection) {
        this.connection = connection;
    }

    /**
     * Wraps a pipe end made by Kotlin code.
     *
     * @throws IllegalArgumentException when its messages are nullable: a Java connection's are not
     */
    public static <T> JavaConnection<T> wrap(Connection<T> connection) {
        return new JavaConnection<>(ConnectionCalls.notNullMessages(connection));
    }

    /** Sends {@code value}, waiting while the other side's buffer is full. */
    public void send(T value) throws InterruptedException {
        ConnectionCalls.send(connection, value);
    }

    /** Sends {@code value}; the future completes once it is written. */
    public CompletableFuture<Void> sendAsync(T value) {
        return ConnectionCalls.sendAsync(connection, value);
    }

    /** Sends {@code bytes} as one raw message. */
    public void sendBytes(byte[] bytes) throws InterruptedException {
        ConnectionCalls.sendBytes(connection, bytes, 0, bytes.length);
    }

    /** Receives the next message, waiting for it as long as it takes. */
    public T receive() throws InterruptedException {
        return ConnectionCalls.receive(connection);
    }

    /** Receives the next message; cancelling the future gives up (a message half read is kept for the next call). */
    public CompletableFuture<T> receiveAsync() {
        return ConnectionCalls.receiveAsync(connection);
    }

    /** Receives the next raw message, of at most {@link #maxMessageBytes()} bytes. */
    public byte[] receiveBytes() throws InterruptedException {
        return ConnectionCalls.receiveBytes(connection, connection.getMaxMessageBytes());
    }

    /**
     * Receives the next raw message into {@code buffer} from {@code offset} and returns its length (Python's
     * {@code recv_bytes_into}): a long message is copied there straight from shared memory, so one buffer
     * reused for many large messages is the fastest way to receive them. A message that does not fit fails with
     * {@link dev.coproc.MessageTooLongException} and stays unread.
     */
    public int receiveBytesInto(byte[] buffer, int offset) throws InterruptedException {
        return ConnectionCalls.receiveBytesInto(connection, buffer, offset);
    }

    /** Whether a message (or the end of the stream) can be read within {@code timeout}; zero asks without waiting. */
    public boolean poll(Duration timeout) throws InterruptedException {
        return ConnectionCalls.poll(connection, timeout);
    }

    /** False for the receiving end of a one-way pipe. */
    public boolean canSend() {
        return connection.getCanSend();
    }

    /** False for the sending end of a one-way pipe. */
    public boolean canReceive() {
        return connection.getCanReceive();
    }

    /** The longest message this end accepts. */
    public int maxMessageBytes() {
        return connection.getMaxMessageBytes();
    }

    /** Whether {@link #close()} was called here. */
    public boolean isClosed() {
        return connection.isClosed();
    }

    /** Lets go of this end in this process; the other end sees the end of the stream once every holder did. */
    @Override
    public void close() {
        connection.close();
    }

    /** The Kotlin connection behind this facade. */
    public Connection<T> asKotlin() {
        return connection;
    }

    @Override
    public String toString() {
        return connection.toString();
    }

    /** Travels as the pipe end it wraps, and is wrapped again where it arrives. */
    static final class Serializer extends TravelsAs<JavaConnection<Object>, Connection<Object>> {
        Serializer(KSerializer<Object> messages) {
            super(ConnectionCalls.serializer(messages), JavaConnection::new, end -> end.connection);
        }
    }
}
