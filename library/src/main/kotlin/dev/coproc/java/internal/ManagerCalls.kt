package dev.coproc.java.internal

import dev.coproc.ManagedArray
import dev.coproc.ManagedArraySerializer
import dev.coproc.ManagedDict
import dev.coproc.ManagedDictSerializer
import dev.coproc.ManagedJoinableQueue
import dev.coproc.ManagedJoinableQueueSerializer
import dev.coproc.ManagedList
import dev.coproc.ManagedListSerializer
import dev.coproc.ManagedNamespace
import dev.coproc.ManagedNamespaceSerializer
import dev.coproc.ManagedQueue
import dev.coproc.ManagedQueueSerializer
import dev.coproc.ManagedValue
import dev.coproc.ManagedValueSerializer
import dev.coproc.Manager
import dev.coproc.SharedQueue
import dev.coproc.internal.javaFuture
import java.util.Optional
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.KSerializer

/** What the Java facades of manager proxies call: their futures, and how they travel (as the proxies they wrap). */
internal object ManagerCalls {
    /** The value of [key], when the manager answers; cancelling the future cancels the call. */
    @JvmStatic
    fun <K, V : Any> getAsync(dict: ManagedDict<K, V>, key: K): CompletableFuture<Optional<V>> = javaFuture { Optional.ofNullable(dict.get(key)) }

    /** Sets [key] to [value]; cancelling the future cancels the call. */
    @JvmStatic
    fun <K, V> putAsync(dict: ManagedDict<K, V>, key: K, value: V): CompletableFuture<Void?> = javaFuture {
        dict.set(key, value)
        null
    }

    @JvmStatic
    fun <K, V> dictSerializer(keys: KSerializer<K>, values: KSerializer<V>): KSerializer<ManagedDict<K, V>> = ManagedDictSerializer(keys, values)

    @JvmStatic
    fun <T> listSerializer(items: KSerializer<T>): KSerializer<ManagedList<T>> = ManagedListSerializer(items)

    @JvmStatic
    fun <T> valueSerializer(values: KSerializer<T>): KSerializer<ManagedValue<T>> = ManagedValueSerializer(values)

    @JvmStatic
    fun <T> arraySerializer(values: KSerializer<T>): KSerializer<ManagedArray<T>> = ManagedArraySerializer(values)

    @JvmStatic
    fun namespaceSerializer(): KSerializer<ManagedNamespace> = ManagedNamespaceSerializer

    /** Publishes a manager's [queue] under [name] as the Kotlin proxy it is, so that Kotlin code looks it up too. */
    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> publishQueue(manager: Manager, name: String, queue: SharedQueue<T>, items: KSerializer<T>) = runBlocking {
        when (queue) {
            is ManagedJoinableQueue -> manager.publish(name, queue, ManagedJoinableQueueSerializer(items))
            is ManagedQueue -> manager.publish(name, queue, ManagedQueueSerializer(items))
            else -> throw IllegalArgumentException("only a manager's queue can be published, not $queue")
        }
    }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> lookupQueue(manager: Manager, name: String, items: KSerializer<T>): SharedQueue<T> =
        runBlocking { manager.lookup(name, ManagedQueueSerializer(items)) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> lookupJoinableQueue(manager: Manager, name: String, items: KSerializer<T>): SharedQueue<T> =
        runBlocking { manager.lookup(name, ManagedJoinableQueueSerializer(items)) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <K, V> publishDict(manager: Manager, name: String, dict: ManagedDict<K, V>, keys: KSerializer<K>, values: KSerializer<V>) =
        runBlocking { manager.publish(name, dict, ManagedDictSerializer(keys, values)) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <K, V> lookupDict(manager: Manager, name: String, keys: KSerializer<K>, values: KSerializer<V>): ManagedDict<K, V> =
        runBlocking { manager.lookup(name, ManagedDictSerializer(keys, values)) }
}
