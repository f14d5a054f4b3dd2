package dev.coproc

import dev.coproc.internal.manager.ManagerClient
import dev.coproc.internal.os.Pids
import dev.coproc.os.Signals
import dev.coproc.internal.os.TcpListener
import dev.coproc.internal.os.UnixListener
import dev.coproc.internal.wire.Frame
import dev.coproc.internal.wire.FrameException
import dev.coproc.internal.wire.FramedSocket
import dev.coproc.internal.wire.KeyedHandshake
import dev.coproc.internal.wire.RawFrames
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.net.InetSocketAddress
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

class ManagerSpec : FunSpec({
    extension(Hygiene)
    timeout = 120_000

    test("dict and list operations through proxies; a value read is a copy; errors leave the object as it was") {
        manager {
            val dict = dict<String, List<Int>>(mapOf("a" to listOf(1)))
            dict["b"] = listOf(2, 3)
            dict.get("a") shouldBe listOf(1)
            val copy = dict.get("a")!!.toMutableList()
            copy += 5 // changes the copy only, as with Python's proxies
            dict.get("a") shouldBe listOf(1)
            dict.get("zz") shouldBe null
            dict.containsKey("b") shouldBe true
            dict.size() shouldBe 2
            dict.keys() shouldBe listOf("a", "b")
            dict.values() shouldBe listOf(listOf(1), listOf(2, 3))
            dict.putAll(mapOf("c" to emptyList()))
            dict.items() shouldBe mapOf("a" to listOf(1), "b" to listOf(2, 3), "c" to emptyList())
            dict.getOrPut("a", listOf(9)) shouldBe listOf(1)
            dict.getOrPut("d", listOf(9)) shouldBe listOf(9)
            dict.compareAndSet("a", listOf(1), listOf(10)) shouldBe true
            dict.compareAndSet("a", listOf(1), listOf(11)) shouldBe false
            dict.compareAndSet("new", null, listOf(0)) shouldBe true
            dict.remove("b") shouldBe listOf(2, 3)
            dict.remove("b") shouldBe null

            val list = list(listOf("x", "y"))
            list.append("z")
            list.extend(listOf("u", "v"))
            list.get(0) shouldBe "x"
            list.set(1, "Y") shouldBe "y"
            list.removeAt(0) shouldBe "x"
            list.size() shouldBe 4
            list.snapshot() shouldBe listOf("Y", "z", "u", "v")
            val error = shouldThrow<ManagerCallException> { list.get(10) }
            error.remoteType shouldBe "IndexOutOfBounds"
            list.size() shouldBe 4
            shouldThrow<ManagerCallException> { list.ref.call("nope") }.message shouldContain "no method nope"
        }
    }

    test("a namespace updated by a child is seen by the parent") {
        manager {
            val namespace = namespace()
            namespace.set("old", listOf(1, 2))
            namespace.get<List<Int>>("old") shouldBe listOf(1, 2)
            Process(UpdateNamespace(namespace)).also { it.start() }.run { await(); join() }
            namespace.get<Int>("x") shouldBe 10
            namespace.get<String>("label") shouldBe "set by a child"
            namespace.get<Int>("old") shouldBe null
            namespace.names() shouldContainExactlyInAnyOrder listOf("x", "label")
        }
    }

    test("the seeds' ten processes write their pids into a shared dict and list") {
        manager {
            val dict = dict<String, Long>()
            val list = list<Long>()
            val processes = (0 until 10).map { Process(RecordPid(dict, list, "p$it")).also { p -> p.start() } }
            processes.forEach { it.await(); it.join() }
            dict.items() shouldBe processes.mapIndexed { i, p -> "p$i" to p.pid!! }.toMap().let { expected -> dict.keys().associateWith { expected.getValue(it) } }
            dict.size() shouldBe 10
            list.snapshot() shouldContainExactlyInAnyOrder processes.map { it.pid!! }
        }
    }

    test("compare-and-set loops from several processes and pool tasks lose no update") {
        manager {
            val dict = dict<String, Int>()
            val children = (1..3).map { Process(CountInDict(dict, 200)).also { it.start() } }
            processPool(workers = 2) { map((1..4).map { CountInDict(dict, 100) }) }
            children.forEach { it.await(); it.join() }
            dict.get("n") shouldBe 1000
        }
    }

    test("update runs a declared operation inside the manager: concurrent updates from processes lose nothing") {
        manager {
            val dict = dict<String, Int>()
            val children = (1..3).map { Process(UpdateInDict(dict, 200)).also { it.start() } }
            children.forEach { it.await(); it.join() }
            dict.get("n") shouldBe 600
            dict.update("n", AddToEntry(5)) shouldBe 605
            val error = shouldThrow<ManagerCallException> { dict.update("n", FailingOperation()) }
            error.message shouldContain "refused: 605"
            dict.get("n") shouldBe 605
            dict.update("n", RemoveEntry()) shouldBe null
            dict.containsKey("n") shouldBe false
            shouldThrow<TaskEncodingException> { dict.update("n", LocalOperation()) }.message shouldContain "Serializable"
        }
    }

    test("a manager killed by SIGKILL: proxies fail with a typed error naming it, without hanging") {
        val manager = Manager.start()
        try {
            val dict = manager.dict<String, Int>()
            dict["x"] = 1
            Signals.send(manager.pid!!, Signals.SIGKILL)
            val error = shouldThrow<ManagerUnavailableException> { withTimeout(10.seconds) { dict.get("x") } }
            error.address shouldBe manager.address
            shouldThrow<ManagerUnavailableException> { withTimeout(10.seconds) { dict.get("x") } }
        } finally {
            manager.shutdown()
        }
        Files.exists(Path.of(manager.address)) shouldBe false
    }

    test("no socket file is left behind by this spec's managers (shut down, closed, or killed)") {
        manager { dict<String, Int>()["x"] = 1 }
        Manager.start().close()
        val mine = "manager-${ProcessHandle.current().pid()}-"
        Files.list(UnixListener.privatePath("probe").parent).use { files ->
            files.map { it.fileName.toString() }.filter { it.startsWith(mine) }.toList() shouldBe emptyList()
        }
    }

    test("a manager ends when the process that started it is killed with SIGKILL, and leaves no socket file") {
        SharedLong(0).use { pid ->
            SharedString(200).use { address ->
                Event().use { started ->
                    val owner = Process(StartManagerAndWait(pid, address, started)).also { it.start() }
                    withTimeout(60.seconds) { started.wait() }
                    Files.exists(Path.of(address.value)) shouldBe true
                    owner.kill()
                    owner.join()
                    Pids.awaitExit(pid.value, java.time.Duration.ofSeconds(20)) shouldBe true
                    Files.exists(Path.of(address.value)) shouldBe false
                }
            }
        }
    }

    test("a JVM that never closes its manager still exits, whether main returns or calls exitProcess, and shuts the manager down gracefully") {
        val java = ProcessHandle.current().info().command().get()
        for (ending in listOf("return", "exit")) {
            val result = withTimeout(90.seconds) {
                Command(java, "-cp", System.getProperty("java.class.path"), ForgottenManager::class.java.name, ending)
                    .timeout(60.seconds)
                    .run()
            }
            withClue("ending by $ending: ${result.stderrText}") {
                result.exitCode shouldBe 0
                val (pid, address) = result.stdoutText.trim().split(' ')
                // Reaped by its JVM before that JVM exited: no orphan left behind.
                Files.exists(Path.of("/proc/$pid")) shouldBe false
                // Terminated gracefully (SIGTERM first): the manager removed its own socket file.
                Files.exists(Path.of(address)) shouldBe false
            }
        }
    }
})
