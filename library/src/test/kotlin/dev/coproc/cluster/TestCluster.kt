package dev.coproc.cluster

import java.net.InetAddress
import java.net.ServerSocket

/** Cluster settings on ports nobody else uses now, so test runs never join each other's clusters. */
object TestCluster {
    private const val PORTS = 220

    fun settings(): ClusterSettings {
        val base = freePortBlock()
        return ClusterSettings.builder().discoveryPort(base).discoveryPortRange(20).communicationPort(base + 100).build()
    }

    /** The first of [PORTS] consecutive free localhost ports. */
    private fun freePortBlock(): Int {
        val random = java.util.Random()
        repeat(50) {
            val base = 20_000 + random.nextInt(400) * 100
            if ((base until base + PORTS).all(::isFree)) return base
        }
        error("no block of $PORTS free ports found")
    }

    private fun isFree(port: Int): Boolean =
        runCatching { ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close() }.isSuccess
}
