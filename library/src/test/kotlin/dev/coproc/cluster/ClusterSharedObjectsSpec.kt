package dev.coproc.cluster

import dev.coproc.Event
import dev.coproc.Hygiene
import dev.coproc.Increment
import dev.coproc.PoolOptions
import dev.coproc.Process
import dev.coproc.RemoteTaskException
import dev.coproc.WorkerOptions
import dev.coproc.processPool
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.withTimeout

/** The cluster's shared objects used from nodes in separate JVMs (started with coproc's Process API), and a holder node killed. */
class ClusterSharedObjectsSpec : FunSpec({
    timeout = 240_000
    val settings = TestCluster.settings()
    val nodes = mutableListOf<ClusterNode>()
    afterSpec {
        nodes.forEach { it.close() }
        TestCluster.checkNothingLeft(settings)
    }
    extension(Hygiene)

    fun nodeOptions() = WorkerOptions { jvmArgs(*ClusterNode.JVM_FLAGS.toTypedArray()) }

    test("a counter is exact under increments from tasks on several nodes; its handle does not resolve where no node runs") {
        val local = ClusterNode.startServer(settings).also { nodes += it }
        Event().use { ready ->
            val remote = Process(ServeAsClusterNode(settings.discoveryPort, settings.communicationPort, ready), options = nodeOptions())
            remote.start()
            try {
                withTimeout(120.seconds) { ready.wait() }
                val counter = local.counter("increments")
                val pids = clusterPool(local, parallelism = 4) {
                    withTimeout(120.seconds) { map(List(8) { Increment(counter, 100) }) }
                }
                pids.toSet() shouldContainExactly setOf(ProcessHandle.current().pid(), remote.pid!!)
                counter.value shouldBe 800

                // A worker process of this machine runs no node: the handle names its cluster instead of failing vaguely.
                val failure = processPool(1) { shouldThrow<RemoteTaskException> { apply(Increment(counter, 1)) } }
                failure.remoteMessage.shouldNotBeNull() shouldContain "runs no node of that cluster"
                counter.value shouldBe 800
            } finally {
                remote.kill()
                remote.join()
            }
        }
        local.close()
        nodes.clear()
    }

    test("a critical failure inside Ignite stops that node, never the JVM running it") {
        // In a child JVM: were the JVM halted (Ignite's default handler does that), this test JVM survives to say so.
        val state = processPool(PoolOptions.builder().workers(1).workerOptions(nodeOptions()).build()) {
            withTimeout(120.seconds) { apply(FailANode(settings.discoveryPort, settings.communicationPort)) }
        }
        state shouldBe "STOPPED_ON_FAILURE"
    }

    test("a holder node SIGKILLed: its lock passes on with previousOwnerDied, its permit comes back, counters and queues keep their contents, its work folder goes") {
        val local = ClusterNode.startServer(settings).also { nodes += it }
        val lock = local.lock("held")
        val semaphore = local.semaphore("held", 1)
        val counter = local.counter("kept", 42)
        val queue = local.queue<Int>("kept", capacity = 10)
        (1..5).forEach { queue.put(it) }
        Event().use { ready ->
            val remote = Process(HoldAsClusterNode(settings.discoveryPort, settings.communicationPort, "held", ready), options = nodeOptions())
            remote.start()
            try {
                withTimeout(120.seconds) { ready.wait() }
                lock.tryAcquire() shouldBe false
                lock.owner.shouldNotBeNull() shouldContain "pid ${remote.pid}"
                semaphore.tryAcquire() shouldBe false
                remote.kill()
                remote.join()

                withTimeout(60.seconds) { lock.acquire() } shouldBe true
                lock.previousOwnerDied shouldBe true
                withTimeout(60.seconds) { semaphore.acquire() } shouldBe true
                counter.value shouldBe 42
                List(5) { queue.get(10.seconds) } shouldBe listOf(1, 2, 3, 4, 5)
                lock.release()
                lock.previousOwnerDied shouldBe false
                lock.acquire() shouldBe true
                lock.previousOwnerDied shouldBe false
                lock.release()
                semaphore.release()
            } finally {
                if (remote.isAlive) remote.kill()
                remote.join()
            }
            // The killed node could not delete its work folder; the next node started on this machine does.
            workFoldersOf(remote.pid!!).size shouldBe 1
            ClusterNode.joinAsClient(settings).close()
            workFoldersOf(remote.pid!!).size shouldBe 0
        }
    }
})

private fun workFoldersOf(pid: Long): List<Path> = Files.list(Path.of(System.getProperty("java.io.tmpdir"))).use { entries ->
    entries.filter { it.fileName.toString().startsWith("coproc-ignite-$pid-") }.toList()
}
