package dev.coproc

import dev.coproc.codec.MessageCodec
import dev.coproc.internal.ManagerClient
import dev.coproc.internal.awaitResult
import dev.coproc.internal.ManagerHandshake
import dev.coproc.internal.ManagerServer
import dev.coproc.os.UnixListener
import java.nio.file.Files
import java.nio.file.Path
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.withContext
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.cbor.ByteString
import kotlinx.serialization.serializer

/**
 * A manager process: it owns shared dicts, lists and namespaces, and every other process works on them through
 * proxies ([SharedDict], [SharedList], [SharedNamespace]), Python's `multiprocessing.Manager()`. Proxies are handles: pass them to
 * `Process` children and pool tasks.
 *
 * The manager is a worker JVM listening on a Unix socket in this user's private directory (0700, socket
 * 0600); every connection authenticates both ways with the manager's random key (an HMAC challenge-response),
 * which travels to children inside their proxies. Like every worker, it ends when this JVM ends.
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
    private val process: Process<Unit>,
    /** The manager's socket path. */
    public val address: String,
    private val key: ByteArray,
) : AutoCloseable {
    /** The manager process's pid. */
    public val pid: Long get() = process.pid!!

    /** A new shared dict holding [initial]. */
    public suspend fun <K, V> dict(keySerializer: KSerializer<K>, valueSerializer: KSerializer<V>, initial: Map<K, V> = emptyMap()): SharedDict<K, V> {
        val keys = MessageCodec(keySerializer)
        val values = MessageCodec(valueSerializer)
        val args = initial.flatMap { (key, value) -> listOf(keys.encode(key), values.encode(value)) }
        return SharedDict(create("dict", args), keySerializer, valueSerializer)
    }

    /** A new shared list holding [initial]. */
    public suspend fun <T> list(itemSerializer: KSerializer<T>, initial: List<T> = emptyList()): SharedList<T> {
        val items = MessageCodec(itemSerializer)
        return SharedList(create("list", initial.map(items::encode)), itemSerializer)
    }

    /** A new, empty namespace of named attributes. */
    public suspend fun namespace(): SharedNamespace = SharedNamespace(create("dict", emptyList()))

    /** A new shared dict holding [initial]. */
    public suspend inline fun <reified K, reified V> dict(initial: Map<K, V> = emptyMap()): SharedDict<K, V> = dict(serializer(), serializer(), initial)

    /** A new shared list holding [initial]. */
    public suspend inline fun <reified T> list(initial: List<T> = emptyList()): SharedList<T> = list(serializer(), initial)

    /** For tests: the manager's key. */
    internal fun key(): ByteArray = key

    private suspend fun create(kind: String, args: List<ByteArray>): ManagedRef {
        val id = ManagerServer.decodeLong(ManagerClient.of(address, key).call(0, kind, args).single())
        return ManagedRef(address, key, id)
    }

    /** Shuts the manager down: its process is terminated and reaped, its socket removed; proxies fail from now on. */
    override fun close() {
        ManagerClient.forget(address)
        process.terminateBlocking()
        Files.deleteIfExists(Path.of(address))
    }

    /** Suspending [close]: waits for the manager process to end. */
    public suspend fun shutdown() {
        ManagerClient.forget(address)
        process.terminate()
        process.join()
        withContext(NonCancellable) { Files.deleteIfExists(Path.of(address)) }
    }

    override fun toString(): String = "Manager($address, pid ${process.pid})"

    public companion object {
        /**
         * The manager's default JVM options: a manager lives long and answers many small calls, so it runs with
         * the full JIT (C2) rather than a short-lived worker's fast-start flags.
         */
        @JvmField
        public val DEFAULT_OPTIONS: WorkerOptions = WorkerOptions { fastStart(false) }

        /** Starts a manager process and returns once it listens. Java callers close it (try-with-resources). */
        @JvmStatic
        public suspend fun start(options: WorkerOptions = DEFAULT_OPTIONS): Manager {
            val key = ManagerHandshake.newKey()
            val address = UnixListener.privatePath("manager").toString()
            Event().use { ready ->
                val process = Process(ManagerTask(address, key, ready), name = "manager", options = options)
                process.start()
                try {
                    // The manager either listens (ready) or fails to start (its exit ends the wait).
                    val listening = coroutineScope {
                        // Not join(): a cancelled join terminates its process.
                        val exited = async { process.onExit().awaitResult(); false }
                        val listens = async { ready.wait() }
                        select { exited.onAwait { it }; listens.onAwait { it } }.also { exited.cancel(); listens.cancel() }
                    }
                    if (!listening) throw ProcessStartException("the manager process ended before it listened: ${process.exitStatus}")
                } catch (e: Throwable) {
                    process.terminateBlocking()
                    throw e
                }
                return Manager(process, address, key)
            }
        }
    }
}

/** Runs [block] with a new manager, shut down when it ends however it ends. */
public suspend fun <R> manager(options: WorkerOptions = Manager.DEFAULT_OPTIONS, block: suspend Manager.() -> R): R {
    val manager = Manager.start(options)
    try {
        return manager.block()
    } finally {
        withContext(NonCancellable) { manager.shutdown() }
    }
}

/** The manager process's task: listen at [address], say so through [ready], serve until terminated. */
@Serializable
internal class ManagerTask(val address: String, @ByteString val key: ByteArray, val ready: Event) : Task<Unit> {
    override suspend fun run() {
        UnixListener.bind(Path.of(address)).use { listener ->
            ready.set()
            ManagerServer(key, MANAGER_MAX_FRAME).serve(listener)
        }
    }
}

/** The largest call a manager accepts; a larger frame disconnects its client. */
private const val MANAGER_MAX_FRAME = 64 * 1024 * 1024
