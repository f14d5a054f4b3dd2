package dev.coproc.java.internal

import dev.coproc.Connection
import dev.coproc.ConnectionSerializer
import dev.coproc.Pipe
import dev.coproc.internal.javaFuture
import dev.coproc.internal.toTimeout
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.KSerializer

/**
 * [dev.coproc.java.JavaConnection]'s calls. The blocking ones wait on the caller's thread, and an interrupt
 * cancels the wait and throws [InterruptedException]; the futures complete on the default dispatcher's threads.
 */
internal object ConnectionCalls {
    /** A new pipe's two ends, as a list so that Java code needs no Kotlin pair. */
    @JvmStatic
    fun <T> pipe(messages: KSerializer<T>, duplex: Boolean, maxMessageBytes: Int): List<Connection<T>> =
        Pipe(messages, duplex, maxMessageBytes).toList()

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> send(connection: Connection<T>, value: T) = runBlocking { connection.send(value) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun sendBytes(connection: Connection<*>, bytes: ByteArray, offset: Int, length: Int) =
        runBlocking { connection.sendBytes(bytes, offset, length) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> receive(connection: Connection<T>): T = runBlocking { connection.receive() }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun receiveBytes(connection: Connection<*>, maxLength: Int): ByteArray = runBlocking { connection.receiveBytes(maxLength) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun receiveBytesInto(connection: Connection<*>, buffer: ByteArray, offset: Int): Int = runBlocking { connection.receiveBytesInto(buffer, offset) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun poll(connection: Connection<*>, timeout: java.time.Duration?): Boolean = runBlocking { connection.poll(timeout.toTimeout()) }

    @JvmStatic
    fun <T> sendAsync(connection: Connection<T>, value: T): CompletableFuture<Void?> = javaFuture {
        connection.send(value)
        null
    }

    @JvmStatic
    fun <T> receiveAsync(connection: Connection<T>): CompletableFuture<T> = javaFuture { connection.receive() }

    /** [connection], checked to carry messages that are never null (see [QueueCalls.notNullItems]). */
    @JvmStatic
    fun <T> notNullMessages(connection: Connection<T>): Connection<T> {
        require(!connection.serializer.descriptor.isNullable) {
            "a JavaConnection's messages are never null, and $connection carries nullable ones"
        }
        return connection
    }

    /** How a pipe end of [messages] travels, for the Java connection's own serializer. */
    @JvmStatic
    fun <T> serializer(messages: KSerializer<T>): KSerializer<Connection<T>> = ConnectionSerializer(messages)
}
