package dev.coproc

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import java.net.InetSocketAddress
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.withTimeout

/** A manager on TCP, reached from JVMs that were not started by coproc, with the address and key only. */
class RemoteManagerSpec : FunSpec({
    extension(Hygiene)
    timeout = 120_000

    test("a separate JVM connects over TCP with the address and key, finds published objects and uses them") {
        val manager = Manager.start(tcp = InetSocketAddress("127.0.0.1", 0))
        try {
            manager.address shouldStartWith "tcp://127.0.0.1:"
            val inbox = manager.queue<String>()
            val stats = manager.dict<String, Int>()
            manager.publish("inbox", inbox)
            manager.publish("stats", stats)

            val java = ProcessHandle.current().info().command().get()
            val clients = (1..2).map {
                Command(java, "-cp", System.getProperty("java.class.path"), RemoteManagerClient::class.java.name, manager.address, manager.authKey.toHexString())
                    .start()
            }
            val pids = clients.map { it.pid }
            clients.forEach { withTimeout(60.seconds) { it.result().checkSuccess() } }
            setOf(inbox.get(5.seconds), inbox.get(5.seconds)) shouldBe pids.map { "hello from $it" }.toSet()
            stats.get("visits") shouldBe 2

            // A proxy of a connected manager works like any other, and can be handed to a child.
            val remote = Manager.connect(manager.address, manager.authKey)
            try {
                val found = remote.lookup<ManagedQueue<String>>("inbox")
                Process(PutGreeting(found)).also { it.start() }.run { await(); join() }
                inbox.get(5.seconds) shouldBe "hello from a child"
                shouldThrow<NoSuchElementException> { remote.lookup<ManagedQueue<String>>("missing") }
                shouldThrow<IllegalArgumentException> { remote.lookup<ManagedLock>("inbox") }.message shouldContain "ManagedQueue"
            } finally {
                remote.close()
            }
        } finally {
            manager.shutdown()
        }
    }

    test("over TCP a wrong key is refused, nothing listening is a typed error, and the manager keeps serving") {
        manager {
            // A Unix-socket manager: connect() by path works too.
            Manager.connect(address, authKey).use { it.dict<String, Int>(mapOf("a" to 1)).get("a") shouldBe 1 }
        }
        val manager = Manager.start(tcp = InetSocketAddress("127.0.0.1", 0), authKey = ByteArray(32) { it.toByte() })
        try {
            val dict = manager.dict<String, Int>(mapOf("k" to 1))
            shouldThrow<ManagerAuthenticationException> { Manager.connect(manager.address, ByteArray(32) { 9 }) }.message shouldContain "refused"
            dict.get("k") shouldBe 1
        } finally {
            manager.shutdown()
        }
        shouldThrow<ManagerUnavailableException> { Manager.connect(manager.address, ByteArray(32)) }
        shouldThrow<IllegalArgumentException> { Manager.connect("tcp://nowhere", ByteArray(32)) }
    }
})
