package dev.coproc

import dev.coproc.internal.codec.MessageCodec
import dev.coproc.internal.codec.encoding
import dev.coproc.internal.codec.TaskTypes
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.manager.ManagerClient
import dev.coproc.internal.manager.ManagerServer
import dev.coproc.internal.manager.ManagerWire
import dev.coproc.internal.awaitResult
import dev.coproc.internal.os.StreamListener
import dev.coproc.internal.os.TcpListener
import dev.coproc.internal.os.UnixListener
import dev.coproc.internal.ParentDeathCleanup
import dev.coproc.internal.wire.KeyedHandshake
import java.net.InetSocketAddress
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.withContext
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.builtins.serializer
import kotlinx.serialization.cbor.ByteString
import kotlinx.serialization.serializer

/**
 * A manager process: it owns shared objects (dicts, lists, namespaces, queues, values, arrays, locks,
 * semaphores, events, conditions, barriers) and every other process works on them through proxies: Python's
 * `multiprocessing.Manager()`. Proxies are handles: pass them to `Process` children and pool tasks, or
 * [publish] them under a name for a JVM that [connect]s from elsewhere.
 *
 * A manager started here is a worker JVM that ends with this one: one never closed is shut down when this JVM
 * exits (SIGTERM, then SIGKILL after [WorkerOptions.terminateGrace]), once the processes it waits for have
 * ended, as Python finalizes a forgotten manager. It listens on a Unix socket in this user's
 * private directory (0700, socket 0600), or on TCP when given an address; every connection authenticates
 * both ways with the manager's key (an HMAC challenge-response, Python's `authkey`), random by default, which
 * travels to children inside their proxies. TCP is not encrypted: on a network you do not trust, tunnel it.
 *
 * ```
 * manager {
 *     val pids = dict<String, Long>()
 *     val processes = (0 until 10).map { Process(RecordPid(pids, "p$it")).also { p -> p.start() } }
 *     processes.forEach { it.join() }
 *     println(pids.items())
 * }
 * ```
 */
public class Manager private constructor(
    private val process: Process<Unit>?,
    /** Where the manager listens: a socket path, or `tcp://host:port`. */
    public val address: String,
    private val key: ByteArray,
) : AutoCloseable {
    /** The manager process's pid; null for a manager this JVM [connect]ed to. */
    public val pid: Long? get() = process?.pid

    /** A new shared dict holding [initial]. */
    public suspend fun <K, V> dict(keySerializer: KSerializer<K>, valueSerializer: KSerializer<V>, initial: Map<K, V> = emptyMap()): ManagedDict<K, V> {
        val keys = MessageCodec(keySerializer)
        val values = MessageCodec(valueSerializer)
        val args = initial.flatMap { (key, value) -> listOf(keys.encode(key), values.encode(value)) }
        return ManagedDict(create("dict", args), keySerializer, valueSerializer)
    }

    /** A new shared dict holding [initial]. */
    public suspend inline fun <reified K, reified V> dict(initial: Map<K, V> = emptyMap()): ManagedDict<K, V> = dict(serializer(), serializer(), initial)

    /** A new shared list holding [initial]. */
    public suspend fun <T> list(itemSerializer: KSerializer<T>, initial: List<T> = emptyList()): ManagedList<T> {
        val items = MessageCodec(itemSerializer)
        return ManagedList(create("list", initial.map(items::encode)), itemSerializer)
    }

    /** A new shared list holding [initial]. */
    public suspend inline fun <reified T> list(initial: List<T> = emptyList()): ManagedList<T> = list(serializer(), initial)

    /** A new, empty namespace of named attributes. */
    public suspend fun namespace(): ManagedNamespace = ManagedNamespace(create("dict", emptyList()))

    /** A new queue holding at most [capacity] items ([UNBOUNDED]: no limit). */
    public suspend fun <T> queue(itemSerializer: KSerializer<T>, capacity: Int = UNBOUNDED): ManagedQueue<T> =
        ManagedQueue(create("queue", listOf(ManagerWire.of(checkCapacity(capacity)))), itemSerializer)

    /** A new queue holding at most [capacity] items ([UNBOUNDED]: no limit). */
    public suspend inline fun <reified T> queue(capacity: Int = UNBOUNDED): ManagedQueue<T> = queue(serializer(), capacity)

    /** A new joinable queue holding at most [capacity] items ([UNBOUNDED]: no limit). */
    public suspend fun <T> joinableQueue(itemSerializer: KSerializer<T>, capacity: Int = UNBOUNDED): ManagedJoinableQueue<T> =
        ManagedJoinableQueue(create("joinableQueue", listOf(ManagerWire.of(checkCapacity(capacity)))), itemSerializer)

    /** A new joinable queue holding at most [capacity] items ([UNBOUNDED]: no limit). */
    public suspend inline fun <reified T> joinableQueue(capacity: Int = UNBOUNDED): ManagedJoinableQueue<T> = joinableQueue(serializer(), capacity)

    /** A new shared value holding [initial]. */
    public suspend fun <T> value(serializer: KSerializer<T>, initial: T): ManagedValue<T> =
        ManagedValue(create("value", listOf(MessageCodec(serializer).encode(initial))), serializer)

    /** A new shared value holding [initial]. */
    public suspend inline fun <reified T> value(initial: T): ManagedValue<T> = value(serializer(), initial)

    /** A new fixed-size shared array holding [initial]. */
    public suspend fun <T> array(serializer: KSerializer<T>, initial: List<T>): ManagedArray<T> {
        val codec = MessageCodec(serializer)
        return ManagedArray(create("array", initial.map(codec::encode)), serializer)
    }

    /** A new fixed-size shared array holding [initial]. */
    public suspend inline fun <reified T> array(initial: List<T>): ManagedArray<T> = array(serializer(), initial)

    public suspend fun lock(): ManagedLock = ManagedLock(create("lock", emptyList()))

    public suspend fun rLock(): ManagedRLock = ManagedRLock(create("rlock", emptyList()))

    /** A new semaphore with [value] permits. */
    public suspend fun semaphore(value: Int = 1): ManagedSemaphore = ManagedSemaphore(create("semaphore", listOf(ManagerWire.of(value))))

    /** A new semaphore with [value] permits that refuses to be released above [value]. */
    public suspend fun boundedSemaphore(value: Int = 1): ManagedSemaphore = ManagedSemaphore(create("boundedSemaphore", listOf(ManagerWire.of(value))))

    public suspend fun event(): ManagedEvent = ManagedEvent(create("event", emptyList()))

    /** A new condition over its own new [ManagedRLock]. */
    public suspend fun condition(): ManagedCondition = condition(rLock())

    /** A new condition over [lock], which must belong to this manager. */
    public suspend fun condition(lock: ManagedLock): ManagedCondition = ManagedCondition(create("condition", listOf(ManagerWire.of(own(lock.ref)))), lock = lock)

    /** A new condition over [lock], which must belong to this manager. */
    public suspend fun condition(lock: ManagedRLock): ManagedCondition = ManagedCondition(create("condition", listOf(ManagerWire.of(own(lock.ref)))), rLock = lock)

    /** A new barrier for [parties] parties. */
    public suspend fun barrier(parties: Int): ManagedBarrier = ManagedBarrier(create("barrier", listOf(ManagerWire.of(parties))), parties)

    /**
     * A new object of a registered type, made in the manager by [factory]: Python's `BaseManager.register`.
     * See [ManagedFactory].
     *
     * @throws TaskEncodingException when [factory] is not a declared `@Serializable` class
     * @throws IllegalArgumentException when its type is not an interface of suspend functions with serializable
     *   parameters and results
     */
    public suspend fun <T : Any> create(factory: ManagedFactory<T>): Managed<T> {
        val type = interfaceOf(factory.javaClass)
        RemoteInterface.of(type) // checked here, before anything is made
        val name = factory.javaClass.name
        val bytes = publicFailures {
            encoding(name) { WireCodec.encode(factorySerializer(factory.javaClass), factory) }
        }
        @Suppress("UNCHECKED_CAST")
        return Managed.of(create("custom", listOf(name.encodeToByteArray(), bytes)), type as Class<T>)
    }

    /**
     * Makes [proxy] (any of this manager's proxies) known under [name], for [lookup] from any process,
     * such as a JVM that [connect]ed with the address and key: Python's `BaseManager.register("get_queue",
     * callable=...)`. A name published again points to the new object. Its type, type arguments included,
     * is recorded with it for [lookup] to check.
     */
    public suspend fun <P> publish(name: String, proxy: P, serializer: KSerializer<P>) {
        callManager("publish", listOf(name.encodeToByteArray(), typeName(serializer.descriptor).encodeToByteArray(), WireCodec.encode(serializer, proxy)))
    }

    /** See [publish]. */
    public suspend inline fun <reified P> publish(name: String, proxy: P): Unit = publish(name, proxy, serializer())

    /**
     * The proxy [publish]ed under [name].
     *
     * @throws NoSuchElementException when nothing is published under [name]
     * @throws IllegalArgumentException when it is another type than [serializer]'s: another kind of object, or
     *   the same kind with other type arguments (a `ManagedQueue<String>` looked up as a `ManagedQueue<Long>`)
     */
    public suspend fun <P> lookup(name: String, serializer: KSerializer<P>): P {
        val found = callManager("lookup", listOf(name.encodeToByteArray()))
        if (found.isEmpty()) throw NoSuchElementException("nothing is published under \"$name\" in the manager at $address")
        val published = found[0].decodeToString()
        val wanted = typeName(serializer.descriptor)
        require(published == wanted) { "\"$name\" is a $published, not a $wanted" }
        return WireCodec.decode(serializer, found[1])
    }

    /** See [lookup]. */
    public suspend inline fun <reified P> lookup(name: String): P = lookup(name, serializer())

    /** For tests: the manager's key. */
    internal fun key(): ByteArray = key

    private fun client() = ManagerClient.of(address, key)

    /** A call on the manager itself (object 0: it makes, publishes and looks up objects). */
    private suspend fun callManager(method: String, args: List<ByteArray>): List<ByteArray> =
        publicFailures { client().call(0, method, args) }

    private suspend fun create(kind: String, args: List<ByteArray>): ManagedRef {
        val id = ManagerWire.long(callManager(kind, args).single())
        return ManagedRef(address, key, id)
    }

    private fun own(ref: ManagedRef): Long {
        require(ref.address == address) { "a condition's lock must belong to the same manager (${ref.address} is not $address)" }
        return ref.objectId
    }

    private fun checkCapacity(value: Int): Int = value.also { require(it > 0) { "a queue's capacity must be positive: $it" } }

    /**
     * Shuts the manager down: its process is terminated and reaped, its socket removed; proxies fail from now
     * on. For a manager this JVM [connect]ed to, nothing happens: the manager goes on, and this process's
     * connection stays for the proxies it holds (closing it would free the locks they hold); it ends with the JVM.
     */
    override fun close() {
        if (process == null) return
        ManagerClient.forget(address)
        process.terminateBlocking()
        removeSocketFile()
    }

    /** Suspending [close]: waits for the manager process to end. */
    public suspend fun shutdown() {
        if (process == null) return
        ManagerClient.forget(address)
        process.terminate()
        process.join()
        withContext(NonCancellable) { removeSocketFile() }
    }

    private fun removeSocketFile() {
        if (!address.startsWith(ManagerClient.TCP)) Files.deleteIfExists(Path.of(address))
    }

    override fun toString(): String = "Manager($address" + (process?.pid?.let { ", pid $it" } ?: ", connected") + ")"

    public companion object {
        /**
         * The manager's default JVM options: a manager lives long and answers many small calls, so it runs with
         * the full JIT (C2) rather than a short-lived worker's fast-start flags.
         */
        @JvmField
        public val DEFAULT_OPTIONS: WorkerOptions = WorkerOptions { fastStart(false) }

        /**
         * Starts a manager process and returns once it listens: on a Unix socket, or on TCP at [tcp] (port 0:
         * any free port; [address] tells which). [authKey]: the key clients must know, random when null (read
         * it with [authKey] to give it to a JVM that will [connect]). [limits]: what a connection that has not
         * authenticated yet is allowed. Java callers close it (try-with-resources).
         */
        @JvmStatic
        public suspend fun start(
            options: WorkerOptions = DEFAULT_OPTIONS,
            tcp: InetSocketAddress? = null,
            authKey: ByteArray? = null,
            limits: ManagerLimits = ManagerLimits.DEFAULT,
        ): Manager {
            require(authKey == null || authKey.size >= 16) { "an authKey needs at least 16 bytes" }
            val key = authKey ?: KeyedHandshake.newKey()
            val path = if (tcp == null) UnixListener.privatePath("manager").toString() else null
            Event().use { ready ->
                SharedInt(0).use { boundPort ->
                    val task = ManagerTask(
                        path, tcp?.hostString, tcp?.port ?: 0, boundPort, key, ready,
                        limits.handshakeTimeout.inWholeMilliseconds, limits.maxPendingConnections,
                    )
                    val process = Process(task, name = "manager", options = options)
                    // A manager nobody closes is shut down when this JVM exits, after the processes that may use it.
                    process.servesOthers = true
                    process.start()
                    try {
                        awaitListening(process, ready)
                    } catch (e: Throwable) {
                        process.terminateBlocking()
                        throw e
                    }
                    val address = path ?: "${ManagerClient.TCP}${hostForAddress(tcp!!)}:${boundPort.value}"
                    return Manager(process, address, key)
                }
            }
        }

        /**
         * Connects to the manager at [address] (`tcp://host:port`, or a socket path) with its [authKey], from
         * any JVM: Python's `BaseManager(address, authkey).connect()`. Objects made through the returned
         * [Manager] live in that manager; [lookup] finds the ones published there.
         *
         * @throws ManagerUnavailableException when nothing answers at [address]
         * @throws ManagerAuthenticationException when the manager refuses [authKey]
         */
        @JvmStatic
        public suspend fun connect(address: String, authKey: ByteArray): Manager {
            if (address.startsWith(ManagerClient.TCP)) ManagerClient.hostAndPort(address)
            val manager = Manager(null, address, authKey)
            try {
                manager.callManager("ping", emptyList())
            } catch (e: Throwable) {
                ManagerClient.forget(address, authKey)
                throw e
            }
            return manager
        }

        private fun hostForAddress(tcp: InetSocketAddress): String =
            tcp.hostString.let { if (':' in it) "[$it]" else it }

        /** Returns once the manager listens; fails if its process ends first. */
        private suspend fun awaitListening(process: Process<Unit>, ready: Event) {
            val listening = coroutineScope {
                // Not join(): a cancelled join terminates its process.
                val exited = async { process.onExit().awaitResult(); false }
                val listens = async { ready.wait() }
                select { exited.onAwait { it }; listens.onAwait { it } }.also { exited.cancel(); listens.cancel() }
            }
            if (!listening) throw ProcessStartException("the manager process ended before it listened: ${process.exitStatus}")
        }
    }
}

/** The manager key of [this], for a JVM that will [Manager.connect] (keep it secret: it is the manager's password). */
public val Manager.authKey: ByteArray get() = key().copyOf()

/** Runs [block] with a new manager, shut down when it ends however it ends. */
public suspend fun <R> manager(options: WorkerOptions = Manager.DEFAULT_OPTIONS, block: suspend Manager.() -> R): R {
    val manager = Manager.start(options)
    try {
        return manager.block()
    } finally {
        withContext(NonCancellable) { manager.shutdown() }
    }
}

/** The manager process's task: listen, say so through [ready] (and the TCP port through [boundPort]), serve until terminated. */
@OptIn(ExperimentalSerializationApi::class)
@Serializable
internal class ManagerTask(
    val path: String?,
    val host: String?,
    val port: Int,
    val boundPort: SharedInt,
    @ByteString val key: ByteArray,
    val ready: Event,
    val handshakeMillis: Long,
    val maxPendingConnections: Int,
) : Task<Unit> {
    override suspend fun run() {
        val listener: StreamListener = if (path != null) UnixListener.bind(Path.of(path)) else TcpListener.bind(host, port).also { boundPort.value = it.address().port }
        // The socket file goes with the manager even when its owner's death halts it.
        ParentDeathCleanup.add { listener.close() }.use {
            listener.use {
                ready.set()
                ManagerServer(key, MANAGER_MAX_FRAME, handshakeMillis.milliseconds, maxPendingConnections, ::makeCustomObject, AtomicUpdateCodec).serve(it)
            }
        }
    }
}

/** The largest call a manager accepts; a larger frame disconnects its client. */
private const val MANAGER_MAX_FRAME = 64 * 1024 * 1024
