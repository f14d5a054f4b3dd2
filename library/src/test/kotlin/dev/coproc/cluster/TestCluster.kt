package dev.coproc.cluster

import io.kotest.assertions.withClue
import io.kotest.matchers.collections.shouldBeEmpty
import java.net.InetAddress
import java.net.ServerSocket
import java.nio.file.Files
import java.nio.file.Path
import org.apache.ignite.Ignition

/** Cluster settings on ports nobody else uses now, so test runs never join each other's clusters. */
object TestCluster {
    private const val PORTS = 220

    fun settings(): ClusterSettings {
        val base = freePortBlock()
        return ClusterSettings.builder().discoveryPort(base).discoveryPortRange(20).communicationPort(base + 100).build()
    }

    /**
     * After a cluster spec closed its nodes: no Ignite node, no Ignite thread, no port of [settings] still bound
     * and no temporary work folder of this JVM's nodes left.
     */
    fun checkNothingLeft(settings: ClusterSettings) {
        withClue("Ignite nodes left") { Ignition.allGrids().map { it.name() }.shouldBeEmpty() }
        // Ignite names its threads after the node: "sys-stripe-0-#12%coproc-4711-1%".
        val threads = Thread.getAllStackTraces().keys.filter { it.isAlive && it.name.contains("%coproc-") }.map { it.name }
        withClue("Ignite threads left") { threads.shouldBeEmpty() }
        val ports = (settings.discoveryPort until settings.discoveryPort + settings.discoveryPortRange) +
            (settings.communicationPort until settings.communicationPort + 100)
        withClue("cluster ports still bound") { ports.filterNot(::isFree).shouldBeEmpty() }
        val workFolders = Files.list(Path.of(System.getProperty("java.io.tmpdir"))).use { entries ->
            entries.map { it.fileName.toString() }.filter { it.startsWith("coproc-ignite-${ProcessHandle.current().pid()}-") }.toList()
        }
        withClue("cluster work folders left") { workFolders.shouldBeEmpty() }
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
