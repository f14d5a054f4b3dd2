package dev.coproc.cluster

import dev.coproc.Hygiene
import dev.coproc.poolContract
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/** The [dev.coproc.Pool] contract on the cluster engine: two Ignite server nodes embedded in the test JVM. */
class ClusterPoolContractSpec : FunSpec({
    timeout = 180_000
    val settings = TestCluster.settings()
    val nodes = mutableListOf<ClusterNode>()

    beforeSpec {
        nodes += ClusterNode.startServer(settings)
        nodes += ClusterNode.startServer(settings.toBuilder().build())
        nodes[0].serverCount() shouldBe 2
    }
    // Before Hygiene's check: the nodes are gone (their sockets and work folders with them) when it looks.
    afterSpec {
        nodes.forEach { it.close() }
        TestCluster.checkNothingLeft(settings)
    }
    extension(Hygiene)

    include(
        poolContract("cluster pool") { taskTimeout, block ->
            clusterPool(nodes[0], parallelism = 2, taskTimeout = taskTimeout) { block(this) }
        },
    )
})
