package dev.coproc.cluster

import dev.coproc.Event
import dev.coproc.Hygiene
import dev.coproc.Process
import dev.coproc.WorkerOptions
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.shouldBe
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.withTimeout

/** Cluster nodes in separate JVMs, started with coproc's own Process API, and one of them killed mid-map. */
class ClusterFailoverSpec : FunSpec({
    timeout = 240_000
    val settings = TestCluster.settings()
    val nodes = mutableListOf<ClusterNode>()
    afterSpec {
        nodes.forEach { it.close() }
        TestCluster.checkNothingLeft(settings)
    }
    extension(Hygiene)

    test("a node SIGKILLed during a map: its tasks run again elsewhere, and every result arrives exactly once, in order") {
        val local = ClusterNode.startServer(settings).also { nodes += it }
        Event().use { ready ->
            val remote = Process(
                ServeAsClusterNode(settings.discoveryPort, settings.communicationPort, ready),
                options = WorkerOptions { jvmArgs(*ClusterNode.JVM_FLAGS.toTypedArray()) },
            ).also { it.start() }
            try {
                withTimeout(120.seconds) { ready.wait() }
                local.serverCount() shouldBe 2
                val results = mutableListOf<Pair<Int, Long>>()
                clusterPool(local, parallelism = 2) {
                    withTimeout(180.seconds) {
                        imap(1..60, SquareWithPid(50)).collect { result ->
                            results += result
                            // Killed once it has answered for some items, while others are on their way to it.
                            if (result.second == remote.pid && remote.isAlive) remote.kill()
                        }
                    }
                }
                results.map { it.first } shouldBe (1..60).map { it * it }
                results.map { it.second } shouldContain remote.pid!!
                remote.join()
                remote.exitCode shouldBe -9
                local.serverCount() shouldBe 1
            } finally {
                if (remote.isAlive) remote.kill()
                remote.join()
            }
        }
    }
})
