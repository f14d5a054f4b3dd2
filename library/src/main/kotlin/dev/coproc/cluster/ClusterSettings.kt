package dev.coproc.cluster

import java.nio.file.Path
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration

/**
 * Where a [ClusterNode] finds its cluster and what it opens: discovery only at [addresses] (a static list,
 * never multicast), this node bound to [localAddress] on [discoveryPort] (or the next free one in
 * [discoveryPortRange]) and [communicationPort], files under [workDirectory] (a fresh temporary folder when
 * null, deleted when the node stops); [tls] encrypts and authenticates discovery and communication;
 * [joinTimeout] bounds the wait for a cluster to join (a client, or a node refused by the cluster). Build one
 * with [ClusterSettings.builder].
 */
public class ClusterSettings private constructor(builder: Builder) {
    public val addresses: List<String> = builder.addresses.toList()
    public val localAddress: String = builder.localAddress
    public val discoveryPort: Int = builder.discoveryPort
    public val discoveryPortRange: Int = builder.discoveryPortRange
    public val communicationPort: Int = builder.communicationPort
    public val workDirectory: Path? = builder.workDirectory
    public val tls: ClusterTls? = builder.tls
    @get:JvmSynthetic
    public val joinTimeout: Duration = builder.joinTimeout

    /** [joinTimeout] for Java callers. */
    public fun joinTimeout(): java.time.Duration = joinTimeout.toJavaDuration()

    public fun toBuilder(): Builder = Builder().also {
        it.addresses += addresses
        it.localAddress = localAddress
        it.discoveryPort = discoveryPort
        it.discoveryPortRange = discoveryPortRange
        it.communicationPort = communicationPort
        it.workDirectory = workDirectory
        it.tls = tls
        it.joinTimeout = joinTimeout
    }

    /** Builds [ClusterSettings]; every setting has a localhost default. */
    public class Builder internal constructor() {
        @get:JvmSynthetic
        internal val addresses = mutableListOf<String>()
        @get:JvmSynthetic @set:JvmSynthetic
        internal var localAddress = "127.0.0.1"
        @get:JvmSynthetic @set:JvmSynthetic
        internal var discoveryPort = DEFAULT_DISCOVERY_PORT
        @get:JvmSynthetic @set:JvmSynthetic
        internal var discoveryPortRange = 10
        @get:JvmSynthetic @set:JvmSynthetic
        internal var communicationPort = DEFAULT_COMMUNICATION_PORT
        @get:JvmSynthetic @set:JvmSynthetic
        internal var workDirectory: Path? = null
        @get:JvmSynthetic @set:JvmSynthetic
        internal var tls: ClusterTls? = null
        @get:JvmSynthetic @set:JvmSynthetic
        internal var joinTimeout: Duration = 60.seconds

        /** Where the cluster's nodes listen for discovery, `host:port` or `host:port1..port2`; default: this host's range. */
        public fun addresses(vararg values: String): Builder = apply { addresses += values }
        public fun localAddress(value: String): Builder = apply { localAddress = value }
        public fun discoveryPort(value: Int): Builder = apply { discoveryPort = value }
        public fun discoveryPortRange(value: Int): Builder = apply { discoveryPortRange = value }
        public fun communicationPort(value: Int): Builder = apply { communicationPort = value }
        public fun workDirectory(value: Path?): Builder = apply { workDirectory = value }
        public fun tls(value: ClusterTls?): Builder = apply { tls = value }
        @JvmSynthetic
        public fun joinTimeout(value: Duration): Builder = apply { joinTimeout = value }
        public fun joinTimeout(value: java.time.Duration): Builder = apply { joinTimeout = value.toKotlinDuration() }
        public fun build(): ClusterSettings = ClusterSettings(this)
    }

    public companion object {
        public const val DEFAULT_DISCOVERY_PORT: Int = 47500
        public const val DEFAULT_COMMUNICATION_PORT: Int = 47100

        @JvmStatic
        public fun builder(): Builder = Builder()

        /** Localhost, Ignite's default ports. */
        @JvmField
        public val DEFAULT: ClusterSettings = builder().build()
    }

    /** The discovery addresses to use: the given ones, or this node's own range. */
    @JvmSynthetic
    internal fun discoveryAddresses(): List<String> =
        addresses.ifEmpty { listOf("$localAddress:$discoveryPort..${discoveryPort + discoveryPortRange - 1}") }
}
