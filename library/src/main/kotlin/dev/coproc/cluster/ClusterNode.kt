package dev.coproc.cluster

import dev.coproc.ClusterStartException
import dev.coproc.UNBOUNDED
import kotlinx.serialization.KSerializer
import kotlinx.serialization.serializer
import org.apache.ignite.configuration.AtomicConfiguration
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

    internal val objects = ClusterObjects(ignite)

    /**
     * The cluster's counter named [name], made with [initial] if it does not exist yet: the same name on any node
     * is the same counter. Survives the death of one node.
     */
    @JvmOverloads
    public fun counter(name: String, initial: Long = 0): ClusterCounter = objects.counter(name, initial, create = true)

    /**
     * The cluster's lock named [name], made free if it does not exist yet. When the node holding it dies or
     * leaves, it passes to the next acquirer, with [ClusterLock.previousOwnerDied] true.
     */
    public fun lock(name: String): ClusterLock = objects.lock(name, create = true)

    /**
     * The cluster's semaphore named [name], made with [permits] if it does not exist yet. The permits a node
     * held when it died or left come back.
     */
    @JvmOverloads
    public fun semaphore(name: String, permits: Int = 1): ClusterSemaphore {
        require(permits >= 0) { "a semaphore's initial value must not be negative: $permits" }
        return objects.semaphore(name, permits, create = true)
    }

    /**
     * The cluster's queue of [T] named [name], made holding at most [capacity] items if it does not exist yet
     * (a [capacity] of [UNBOUNDED] sets no limit). Items survive the death of one node.
     */
    public fun <T> queue(name: String, serializer: KSerializer<T>, capacity: Int = UNBOUNDED): ClusterQueue<T> {
        require(capacity >= 1) { "a queue's capacity must be at least 1: $capacity" }
        return objects.queue(name, serializer, if (capacity == UNBOUNDED) 0 else capacity, create = true)
    }

    /** [queue] for a reified [T]. */
    public inline fun <reified T> queue(name: String, capacity: Int = UNBOUNDED): ClusterQueue<T> = queue(name, serializer<T>(), capacity)

    /** The cluster's event named [name], made clear if it does not exist yet. */
    public fun event(name: String): ClusterEvent = objects.event(name, create = true)

    /**
     * The cluster's barrier named [name] for [parties] parties, made if it does not exist yet (an existing one
     * keeps its own number of parties).
     */
    public fun barrier(name: String, parties: Int): ClusterBarrier {
        require(parties >= 1) { "a barrier needs at least one party: $parties" }
        return objects.barrier(name, parties, create = true)
    }

    /** Leaves the cluster (jobs running here are cancelled) and deletes the work folder this node made. */
    override fun close() {
        ClusterHandles.stopped(this)
        Ignition.stop(ignite.name(), true)
        ownedWorkDirectory?.toFile()?.deleteRecursively()
    }

    override fun toString(): String = "ClusterNode($name, ${if (isClient) "client" else "server"})"

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

        init {
            // No call home on start.
            System.setProperty("IGNITE_UPDATE_NOTIFIER", "false")
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
                ClusterNode(Ignition.start(configuration), owned).also(ClusterHandles::started)
            } catch (e: Exception) {
                owned?.toFile()?.deleteRecursively()
                throw ClusterStartException("cannot start a cluster node: ${e.message}", e)
            }
        }
    }
}
