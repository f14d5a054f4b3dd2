package dev.coproc.cluster

import dev.coproc.ClusterStartException
import dev.coproc.ClusterUnavailableException
import dev.coproc.RemoteHandle
import dev.coproc.RemoteObjects
import dev.coproc.RemoteResolver
import dev.coproc.UNBOUNDED
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerializationException
import kotlinx.serialization.serializer
import org.apache.ignite.configuration.AtomicConfiguration
import org.apache.ignite.configuration.CollectionConfiguration
import java.nio.file.Files
import java.nio.file.Path
import org.apache.ignite.Ignite
import org.apache.ignite.Ignition
import org.apache.ignite.configuration.IgniteConfiguration
import org.apache.ignite.failure.StopNodeFailureHandler
import org.apache.ignite.logger.NullLogger
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder
import org.apache.ignite.ssl.SslContextFactory

/**
 * This JVM's membership in an Apache Ignite cluster: a server node started here ([startServer], for tests
 * and one host) or a client node joining servers that run elsewhere ([joinAsClient]). The cluster engine's
 * pools and shared objects run through it. [close] leaves the cluster and deletes the work folder it made.
 *
 * Ignite's failures stop this node only, never this JVM (its default handler may halt the process).
 */
public class ClusterNode private constructor(
    internal val ignite: Ignite,
    private val ownedWorkDirectory: Path?,
) : AutoCloseable {
    /** The node's name, unique in this JVM. */
    public val name: String get() = ignite.name()

    /** True for a client node: it submits work, and runs none. */
    public val isClient: Boolean get() = ignite.configuration().isClientMode == true

    /** The server nodes the cluster has now. */
    public fun serverCount(): Int = ignite.cluster().forServers().nodes().size

    /** The CPUs of the server nodes, counted once per host. */
    public fun serverCpus(): Int = ignite.cluster().forServers().metrics().totalCpus

    /** The cluster's id: handles of its shared objects name it, and resolve through any of its nodes. */
    internal val clusterId: String get() = ignite.cluster().id().toString()

    /**
     * The cluster's counter named [name], made with [initial] if it does not exist yet: the same name on any node
     * is the same counter. Survives the death of one node.
     */
    @JvmOverloads
    public fun counter(name: String, initial: Long = 0): ClusterCounter =
        ClusterCounter(clusterCall("make counter \"$name\"") { ignite.atomicLong(COUNTER + name, initial, true) }, handle("counter", name))

    /**
     * The cluster's lock named [name], made free if it does not exist yet. When the node holding it dies or
     * leaves, it passes to the next acquirer, with [ClusterLock.previousOwnerDied] true.
     */
    public fun lock(name: String): ClusterLock = clusterCall("make lock \"$name\"") {
        ClusterLock(
            ignite.semaphore(LOCK + name, 1, true, true),
            ignite.atomicReference(LOCK_HOLDER + name, null, true),
            "${ignite.cluster().localNode().id()} (pid ${ProcessHandle.current().pid()})",
            handle("lock", name),
        )
    }

    /**
     * The cluster's semaphore named [name], made with [permits] if it does not exist yet. The permits a node
     * held when it died or left come back.
     */
    @JvmOverloads
    public fun semaphore(name: String, permits: Int = 1): ClusterSemaphore {
        require(permits >= 0) { "a semaphore's initial value must not be negative: $permits" }
        return ClusterSemaphore(clusterCall("make semaphore \"$name\"") { ignite.semaphore(SEMAPHORE + name, permits, true, true) }, handle("semaphore", name))
    }

    /**
     * The cluster's queue of [T] named [name], made holding at most [capacity] items if it does not exist yet
     * (a [capacity] of [UNBOUNDED] or any value above [Int.MAX_VALUE] sets no limit). Items survive the death of one node.
     */
    public fun <T> queue(name: String, serializer: KSerializer<T>, capacity: Long = UNBOUNDED): ClusterQueue<T> {
        require(capacity >= 1) { "a queue's capacity must be at least 1: $capacity" }
        val limit = if (capacity >= Int.MAX_VALUE) 0 else capacity.toInt()
        val configuration = CollectionConfiguration().setBackups(1)
        return ClusterQueue(clusterCall("make queue \"$name\"") { ignite.queue(QUEUE + name, limit, configuration) }, serializer, handle("queue", name))
    }

    /** [queue] for a reified [T]. */
    public inline fun <reified T> queue(name: String, capacity: Long = UNBOUNDED): ClusterQueue<T> = queue(name, serializer<T>(), capacity)

    /** The cluster's event named [name], made clear if it does not exist yet. */
    public fun event(name: String): ClusterEvent = makeEvent(name, create = true) ?: throw gone(handle("event", name))

    private fun makeEvent(name: String, create: Boolean): ClusterEvent? {
        val state = clusterCall("make event \"$name\"") { ignite.atomicLong(EVENT + name, 0, create) } ?: return null
        return ClusterEvent(state, { generation, make -> ignite.countDownLatch("$EVENT$name#$generation", 1, false, make) }, handle("event", name))
    }

    /**
     * The cluster's barrier named [name] for [parties] parties, made if it does not exist yet (an existing one
     * keeps its own number of parties).
     */
    public fun barrier(name: String, parties: Int): ClusterBarrier {
        require(parties >= 1) { "a barrier needs at least one party: $parties" }
        return makeBarrier(name, parties, create = true) ?: throw gone(handle("barrier", name))
    }

    private fun makeBarrier(name: String, parties: Int, create: Boolean): ClusterBarrier? = clusterCall("make barrier \"$name\"") {
        val count = ignite.atomicLong("$BARRIER$name.parties", parties.toLong(), create) ?: return null
        ClusterBarrier(
            ignite.atomicLong("$BARRIER$name.round", 0, create) ?: return null,
            ignite.atomicLong("$BARRIER$name.flags", 0, create) ?: return null,
            count.get().toInt(),
            { generation, make -> ignite.countDownLatch("$BARRIER$name#$generation", 1, false, make) },
            handle("barrier", name),
        )
    }

    /** The object a handle names, made by any node of this cluster. */
    internal fun resolve(handle: RemoteHandle, itemSerializer: KSerializer<*>?): Any = when (handle.kind) {
        "counter" -> ClusterCounter(
            clusterCall("find counter \"${handle.name}\"") { ignite.atomicLong(COUNTER + handle.name, 0, false) } ?: throw gone(handle),
            handle,
        )
        "lock" -> clusterCall("find lock \"${handle.name}\"") {
            ClusterLock(
                ignite.semaphore(LOCK + handle.name, 1, true, false) ?: throw gone(handle),
                ignite.atomicReference<String>(LOCK_HOLDER + handle.name, null, false) ?: throw gone(handle),
                "${ignite.cluster().localNode().id()} (pid ${ProcessHandle.current().pid()})",
                handle,
            )
        }
        "semaphore" -> ClusterSemaphore(
            clusterCall("find semaphore \"${handle.name}\"") { ignite.semaphore(SEMAPHORE + handle.name, 0, true, false) } ?: throw gone(handle),
            handle,
        )
        "event" -> makeEvent(handle.name, create = false) ?: throw gone(handle)
        "barrier" -> makeBarrier(handle.name, 0, create = false) ?: throw gone(handle)
        "queue" -> ClusterQueue(
            clusterCall("find queue \"${handle.name}\"") { ignite.queue<ByteArray>(QUEUE + handle.name, 0, null) } ?: throw gone(handle),
            requireNotNull(itemSerializer) { "a queue handle needs its item serializer" },
            handle,
        )
        else -> throw SerializationException("a cluster object of unknown kind \"${handle.kind}\"")
    }

    private fun handle(kind: String, name: String) = RemoteHandle(clusterId, kind, name)

    private fun gone(handle: RemoteHandle) =
        ClusterUnavailableException("the cluster's ${handle.kind} \"${handle.name}\" was removed")

    /** Leaves the cluster (jobs running here are cancelled) and deletes the work folder this node made. */
    override fun close() {
        running.remove(this)
        Ignition.stop(ignite.name(), true)
        ownedWorkDirectory?.toFile()?.deleteRecursively()
    }

    override fun toString(): String = "ClusterNode($name, ${if (isClient) "client" else "server"})"

    /** Handles of cluster objects, and their objects back through a node of their cluster running here. */
    private object ClusterObjects : RemoteResolver {
        override fun handleOf(value: Any): RemoteHandle? = when (value) {
            is ClusterCounter -> value.handle
            is ClusterLock -> value.handle
            is ClusterSemaphore -> value.handle
            is ClusterQueue<*> -> value.handle
            is ClusterEvent -> value.handle
            is ClusterBarrier -> value.handle
            else -> null
        }

        override fun resolve(handle: RemoteHandle, itemSerializer: KSerializer<*>?): Any {
            val node = running.firstOrNull { runCatching { it.clusterId == handle.cluster }.getOrDefault(false) }
                ?: throw ClusterUnavailableException(
                    "a ${handle.kind} of cluster ${handle.cluster} (\"${handle.name}\") reached a process that runs no node of that cluster",
                )
            return node.resolve(handle, itemSerializer)
        }
    }

    public companion object {
        private val counter = java.util.concurrent.atomic.AtomicInteger()

        /**
         * The flags every JVM running a node needs on Java 11+ (Ignite's documented list): pass them to
         * `WorkerOptions.jvmArgs` for a node in a child process, or to your own `java` command line.
         */
        @JvmField
        public val JVM_FLAGS: List<String> = listOf(
            "--add-opens=java.base/jdk.internal.access=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
            "--add-opens=java.management/com.sun.jmx.mbeanserver=ALL-UNNAMED",
            "--add-opens=jdk.internal.jvmstat/sun.jvmstat.monitor=ALL-UNNAMED",
            "--add-opens=java.base/sun.reflect.generics.reflectiveObjects=ALL-UNNAMED",
            "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.math=ALL-UNNAMED",
            "--add-opens=java.sql/java.sql=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.management/sun.management=ALL-UNNAMED",
            "--add-opens=java.desktop/java.awt.font=ALL-UNNAMED",
        )

        private const val COUNTER = "coproc.counter."
        private const val LOCK = "coproc.lock."
        private const val LOCK_HOLDER = "coproc.lock-holder."
        private const val SEMAPHORE = "coproc.semaphore."
        private const val QUEUE = "coproc.queue."
        private const val EVENT = "coproc.event."
        private const val BARRIER = "coproc.barrier."

        /** The nodes running in this JVM: a cluster object's handle decoded here resolves through one of its cluster. */
        private val running = CopyOnWriteArrayList<ClusterNode>()

        init {
            // No call home on start.
            System.setProperty("IGNITE_UPDATE_NOTIFIER", "false")
            RemoteObjects.resolver = ClusterObjects
        }

        /** Starts a server node in this JVM: it runs tasks and holds shared objects. */
        @JvmStatic
        @JvmOverloads
        public fun startServer(settings: ClusterSettings = ClusterSettings.DEFAULT): ClusterNode = start(settings, client = false)

        /** Joins the servers at [ClusterSettings.addresses] as a client node: work goes to them. */
        @JvmStatic
        public fun joinAsClient(settings: ClusterSettings): ClusterNode = start(settings, client = true)

        /**
         * A fresh owner-only folder named after this process. A node killed outright cannot delete its folder,
         * so each start first deletes the folders of processes no longer running.
         */
        private fun temporaryWorkDirectory(): Path {
            val temporary = Path.of(System.getProperty("java.io.tmpdir"))
            Files.list(temporary).use { entries ->
                entries.filter { folder ->
                    val pid = WORK_FOLDER.matchEntire(folder.fileName.toString())?.groupValues?.get(1)?.toLongOrNull()
                    pid != null && ProcessHandle.of(pid).isEmpty
                }.toList()
            }.forEach { runCatching { it.toFile().deleteRecursively() } }
            return Files.createTempDirectory(temporary, "coproc-ignite-${ProcessHandle.current().pid()}-")
        }

        private val WORK_FOLDER = Regex("coproc-ignite-(\\d+)-.*")

        private fun start(settings: ClusterSettings, client: Boolean): ClusterNode {
            val owned = if (settings.workDirectory == null) temporaryWorkDirectory() else null
            val directory = settings.workDirectory ?: owned!!
            val configuration = IgniteConfiguration().apply {
                igniteInstanceName = "coproc-${ProcessHandle.current().pid()}-${counter.incrementAndGet()}"
                isClientMode = client
                workDirectory = directory.toString()
                gridLogger = NullLogger()
                failureHandler = StopNodeFailureHandler()
                isPeerClassLoadingEnabled = false
                // No REST or thin-client ports: nothing listens that coproc does not use.
                connectorConfiguration = null
                clientConnectorConfiguration = null
                metricsLogFrequency = 0
                localHost = settings.localAddress
                discoverySpi = TcpDiscoverySpi().apply {
                    ipFinder = TcpDiscoveryVmIpFinder().setAddresses(settings.discoveryAddresses())
                    localPort = settings.discoveryPort
                    localPortRange = settings.discoveryPortRange
                    joinTimeout = settings.joinTimeout.inWholeMilliseconds
                }
                communicationSpi = TcpCommunicationSpi().apply {
                    localPort = settings.communicationPort
                }
                // One backup copy: a counter, lock, semaphore or queue outlives the death of the node holding it.
                atomicConfiguration = AtomicConfiguration().setBackups(1)
            }
            settings.tls?.let { tls ->
                configuration.sslContextFactory = SslContextFactory().apply {
                    keyStoreFilePath = tls.keyStore.toString()
                    setKeyStorePassword(tls.keyStorePassword)
                    keyStoreType = tls.storeType
                    trustStoreFilePath = tls.trustStore.toString()
                    setTrustStorePassword(tls.trustStorePassword)
                    trustStoreType = tls.storeType
                }
            }
            return try {
                ClusterNode(Ignition.start(configuration), owned).also { running += it }
            } catch (e: Exception) {
                owned?.toFile()?.deleteRecursively()
                throw ClusterStartException("cannot start a cluster node: ${e.message}", e)
            }
        }
    }
}
