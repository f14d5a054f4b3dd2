package dev.coproc

import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration
import kotlin.time.toKotlinDuration

/**
 * What a [Manager] allows a connection that has not authenticated yet: it has [handshakeTimeout] to prove it
 * knows the key, and at most [maxPendingConnections] such connections are kept, so that clients which connect
 * and say nothing (a port scan, a flood) cannot use up the manager's memory or descriptors.
 * ```
 * Manager.start(tcp = InetSocketAddress("0.0.0.0", 5000), limits = ManagerLimits { handshakeTimeout(3.seconds) })
 * ```
 */
public class ManagerLimits private constructor(builder: Builder) {
    /** How long a new connection has to authenticate; then it is dropped. 10 seconds by default. */
    @get:JvmSynthetic
    public val handshakeTimeout: Duration = builder.handshakeTimeout

    /** [handshakeTimeout] for Java callers. */
    public fun handshakeTimeout(): java.time.Duration = handshakeTimeout.toJavaDuration()

    /**
     * Connections still authenticating, at most; one more drops the oldest of them (a client that is really
     * there authenticates in one round trip). 64 by default.
     */
    public val maxPendingConnections: Int = builder.maxPendingConnections

    override fun toString(): String = "ManagerLimits(handshakeTimeout=$handshakeTimeout, maxPendingConnections=$maxPendingConnections)"

    /** Builds [ManagerLimits]; every setter returns the builder. */
    public class Builder internal constructor() {
        @get:JvmSynthetic @set:JvmSynthetic
        internal var handshakeTimeout: Duration = 10.seconds
        @get:JvmSynthetic @set:JvmSynthetic
        internal var maxPendingConnections: Int = 64

        /** See [ManagerLimits.handshakeTimeout]. */
        @JvmSynthetic
        public fun handshakeTimeout(value: Duration): Builder = apply {
            require(value.isPositive() && value.isFinite()) { "handshakeTimeout must be positive and finite, not $value" }
            handshakeTimeout = value
        }

        /** See [ManagerLimits.handshakeTimeout]. */
        public fun handshakeTimeout(value: java.time.Duration): Builder = handshakeTimeout(value.toKotlinDuration())

        /** See [ManagerLimits.maxPendingConnections]. */
        public fun maxPendingConnections(value: Int): Builder = apply {
            require(value >= 1) { "maxPendingConnections must be at least 1, not $value" }
            maxPendingConnections = value
        }

        /** The limits. */
        public fun build(): ManagerLimits = ManagerLimits(this)
    }

    public companion object {
        /** A 10-second handshake, at most 64 connections authenticating at once. */
        @JvmField
        public val DEFAULT: ManagerLimits = Builder().build()

        /** A builder starting from [DEFAULT]. */
        @JvmStatic
        public fun builder(): Builder = Builder()
    }
}

/** Builds [ManagerLimits] in Kotlin: `ManagerLimits { maxPendingConnections(16) }`. */
public fun ManagerLimits(configure: ManagerLimits.Builder.() -> Unit): ManagerLimits =
    ManagerLimits.builder().apply(configure).build()
