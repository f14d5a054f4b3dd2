package dev.coproc.java.internal

import dev.coproc.JoinableQueue
import dev.coproc.ManagedJoinableQueue
import dev.coproc.ManagedQueue
import dev.coproc.Queue
import dev.coproc.QueueEmptyException
import dev.coproc.QueueFullException
import dev.coproc.SharedJoinableQueueSerializer
import dev.coproc.SharedQueue
import dev.coproc.SharedQueueSerializer
import dev.coproc.internal.interruptedAsCancellation
import dev.coproc.internal.javaFuture
import dev.coproc.internal.javaTakingFuture
import dev.coproc.internal.toTimeout
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.KSerializer

/**
 * The calls of [dev.coproc.java.JavaQueue] and [dev.coproc.java.JavaJoinableQueue], over a queue of any engine.
 * The blocking ones wait on the caller's thread, and an interrupt cancels the wait and throws
 * [InterruptedException]; the futures complete on the default dispatcher's threads.
 */
internal object QueueCalls {
    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> put(queue: SharedQueue<T>, item: T, timeout: java.time.Duration?) = runBlocking { queue.put(item, timeout.toTimeout()) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> get(queue: SharedQueue<T>, timeout: java.time.Duration?): T = runBlocking { queue.get(timeout.toTimeout()) }

    @JvmStatic
    fun <T> putAsync(queue: SharedQueue<T>, item: T): CompletableFuture<Void?> = javaFuture {
        queue.put(item)
        null
    }

    @JvmStatic
    /** The first item when there is one; one taken just as the future was cancelled goes back in (at the end). */
    fun <T> getAsync(queue: SharedQueue<T>): CompletableFuture<T> = javaTakingFuture({ queue.get() }) { item -> queue.put(item) }

    /** Puts [item] now, or throws [QueueFullException] (a shared-memory queue also says when it is shut down). */
    @JvmStatic
    fun <T> putNow(queue: SharedQueue<T>, item: T) {
        if (queue is Queue) queue.putNowait(item) else if (!roundTrip { queue.tryPut(item) }) throw QueueFullException(capacity(queue))
    }

    /** Takes the first item now, or throws [QueueEmptyException]: a Java queue's items are never null, so null means none. */
    @JvmStatic
    fun <T> getNow(queue: SharedQueue<T>): T = if (queue is Queue) queue.getNowait() else roundTrip { queue.tryGet() } ?: throw QueueEmptyException()

    @JvmStatic
    fun size(queue: SharedQueue<*>): Int = roundTrip { queue.size }

    @JvmStatic
    fun capacity(queue: SharedQueue<*>): Int = roundTrip { queue.capacity }

    @JvmStatic
    fun shutdown(queue: SharedQueue<*>) = when (queue) {
        is Queue -> queue.shutdown()
        is ManagedQueue -> roundTrip { queue.shutdown() }
        else -> throw UnsupportedOperationException("$queue has no shutdown: only a shared-memory or a manager's queue does")
    }

    @JvmStatic
    fun isShutdown(queue: SharedQueue<*>): Boolean = when (queue) {
        is Queue -> queue.isShutdown
        is ManagedQueue -> roundTrip { queue.isShutdown }
        else -> false
    }

    /**
     * A call that does not wait but, on a manager's or a cluster's queue, is a round trip that blocks the thread for
     * its length: an interrupt then keeps the thread's flag and throws [java.util.concurrent.CancellationException],
     * as these Java calls declare no [InterruptedException].
     */
    private inline fun <R> roundTrip(call: () -> R): R = try {
        call()
    } catch (e: InterruptedException) {
        interruptedAsCancellation("during a round trip to the queue's engine", e)
    }

    /** Lets go of a shared-memory queue's mapping; other engines' handles hold nothing here. */
    @JvmStatic
    fun close(queue: SharedQueue<*>) {
        if (queue is Queue) queue.close()
    }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun taskDone(queue: SharedQueue<*>) = when (queue) {
        is JoinableQueue -> queue.taskDone()
        is ManagedJoinableQueue -> runBlocking { queue.taskDone() }
        else -> throw notJoinable(queue)
    }

    /** Waits until every item put was marked done, up to [timeout] (null: no limit); false if the timeout came first. */
    @JvmStatic
    @Throws(InterruptedException::class)
    fun join(queue: SharedQueue<*>, timeout: java.time.Duration?): Boolean = when (queue) {
        is JoinableQueue -> runBlocking { queue.join(timeout.toTimeout()) }
        is ManagedJoinableQueue -> runBlocking { withTimeoutOrNull(timeout.toTimeout()) { queue.join() } != null }
        else -> throw notJoinable(queue)
    }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun unfinished(queue: SharedQueue<*>): Int = when (queue) {
        is JoinableQueue -> queue.unfinished
        is ManagedJoinableQueue -> runBlocking { queue.unfinished() }
        else -> throw notJoinable(queue)
    }

    /**
     * [queue], checked to hold items that are never null: a Java queue's items travel as a record component
     * `JavaQueue<T>` declares them, not null, and a queue of nullable items encodes them otherwise.
     */
    @JvmStatic
    fun <Q : SharedQueue<*>> notNullItems(queue: Q): Q {
        val items = when (queue) {
            is Queue<*> -> queue.serializer
            is ManagedQueue<*> -> queue.itemSerializer
            else -> null
        }
        require(items?.descriptor?.isNullable != true) { "a JavaQueue's items are never null, and $queue holds nullable ones" }
        return queue
    }

    /** [queue], checked to count unfinished items. */
    @JvmStatic
    fun <Q : SharedQueue<*>> joinable(queue: Q): Q {
        if (queue !is JoinableQueue<*> && queue !is ManagedJoinableQueue<*>) throw notJoinable(queue)
        return notNullItems(queue)
    }

    /** How a queue of [items] travels, for the Java queues' own serializers: as the engine's queue it is. */
    @JvmStatic
    fun <T> serializer(items: KSerializer<T>): KSerializer<SharedQueue<T>> = SharedQueueSerializer(items)

    @JvmStatic
    fun <T> joinableSerializer(items: KSerializer<T>): KSerializer<SharedQueue<T>> = SharedJoinableQueueSerializer(items)

    private fun notJoinable(queue: Any) = IllegalArgumentException("$queue is not a joinable queue")
}
