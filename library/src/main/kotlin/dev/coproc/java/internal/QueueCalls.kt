package dev.coproc.java.internal

import dev.coproc.Queue
import dev.coproc.QueueSerializer
import dev.coproc.internal.javaFuture
import dev.coproc.internal.toTimeout
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.KSerializer

/**
 * [dev.coproc.java.JavaQueue]'s waits. The blocking ones wait on the caller's thread, and an interrupt cancels
 * the wait and throws [InterruptedException]; the futures complete on the default dispatcher's threads.
 */
internal object QueueCalls {
    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> put(queue: Queue<T>, item: T, timeout: java.time.Duration?) = runBlocking { queue.put(item, timeout.toTimeout()) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> get(queue: Queue<T>, timeout: java.time.Duration?): T = runBlocking { queue.get(timeout.toTimeout()) }

    @JvmStatic
    fun <T> putAsync(queue: Queue<T>, item: T): CompletableFuture<Void?> = javaFuture {
        queue.put(item)
        null
    }

    @JvmStatic
    fun <T> getAsync(queue: Queue<T>): CompletableFuture<T> = javaFuture { queue.get() }

    /**
     * [queue], checked to hold items that are never null: a Java queue's items travel as a record component
     * `JavaQueue<T>` declares them, not null, and a queue of nullable items encodes them otherwise.
     */
    @JvmStatic
    fun <T> notNullItems(queue: Queue<T>): Queue<T> {
        require(!queue.serializer.descriptor.isNullable) { "a JavaQueue's items are never null, and $queue holds nullable ones" }
        return queue
    }

    /** How a queue of [items] travels, for the Java queue's own serializer. */
    @JvmStatic
    fun <T> serializer(items: KSerializer<T>): KSerializer<Queue<T>> = QueueSerializer(items)
}
