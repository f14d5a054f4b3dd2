package dev.coproc.cluster

import dev.coproc.Hygiene
import dev.coproc.SharedObjectMaker
import dev.coproc.sharedObjectsContract
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** The shared-objects contract on the cluster engine: two Ignite server nodes embedded in the test JVM. */
class ClusterSharedObjectsContractSpec : FunSpec({
    timeout = 180_000
    val settings = TestCluster.settings()
    val nodes = mutableListOf<ClusterNode>()
    var names = 0

    beforeSpec {
        nodes += ClusterNode.startServer(settings)
        nodes += ClusterNode.startServer(settings.toBuilder().build())
        nodes[0].serverCount() shouldBe 2
    }
    afterSpec {
        nodes.forEach { it.close() }
        TestCluster.checkNothingLeft(settings)
    }
    extension(Hygiene)

    test("a lock is released on the node that took it: another node's release is refused and takes nothing") {
        val onFirst = nodes[0].lock("held-by-one-node")
        val onSecond = nodes[1].lock("held-by-one-node")
        onFirst.tryAcquire() shouldBe true
        shouldThrow<IllegalStateException> { onSecond.release() }.message shouldContain "does not hold it"
        onSecond.isLocked shouldBe true
        onSecond.tryAcquire() shouldBe false
        onFirst.release()
        onSecond.tryAcquire() shouldBe true
        onSecond.release()
        onFirst.remove()
    }

    include(
        sharedObjectsContract("cluster") { block ->
            val made = mutableListOf<() -> Unit>()
            // Made through one node, used through the other too: the caller's handles and the tasks' resolve by name.
            val node = nodes[names % 2]
            val objects = object : SharedObjectMaker {
                override suspend fun counter(initial: Long) = node.counter("counter-${++names}", initial).also { made += it::remove }
                override suspend fun lock() = node.lock("lock-${++names}").also { made += it::remove }
                override suspend fun semaphore(permits: Int) = node.semaphore("semaphore-${++names}", permits).also { made += it::remove }
                override suspend fun queue(capacity: Int) = node.queue<Int>("queue-${++names}", capacity).also { made += it::remove }
                override suspend fun event() = node.event("event-${++names}").also { made += it::remove }
                override suspend fun barrier(parties: Int) = node.barrier("barrier-${++names}", parties).also { made += it::remove }
            }
            try {
                clusterPool(nodes[0], parallelism = 2) { block(objects, this) }
            } finally {
                made.forEach { it() }
            }
        },
    )
})
