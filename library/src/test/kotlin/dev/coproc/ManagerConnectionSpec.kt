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

/** What a manager lets a connection cost, and how it refuses a peer that breaks the protocol or the key. */
class ManagerConnectionSpec : FunSpec({
    extension(Hygiene)
    timeout = 120_000

    test("a wrong key is refused; garbage and oversized frames are refused; the manager keeps serving the others") {
        manager {
            val dict = dict<String, Int>(mapOf("k" to 1))
            val impostor = ManagerClient(address, ByteArray(32) { 7 })
            shouldThrow<ManagerAuthenticationException> { publicFailures { impostor.call(0, "dict", emptyList()) } }.message shouldContain "refused"
            impostor.close()

            val garbage = listOf(
                ByteArray(9) { -1 }, // no frame kind
                RawFrames.header(Frame.HELLO, 0x7f000000), // over the handshake's limit
                RawFrames.frame(Frame.HELLO, ByteArray(84), checksum = 12345), // corrupted
                RawFrames.frame(Frame.MESSAGE, ByteArray(84)), // not a hello
            )
            for (bytes in garbage) {
                val socket = UnixListener.connect(Path.of(address))
                val raw = FramedSocket(socket)
                try {
                    RawFrames.readHello(raw)
                    socket.send(bytes, 0, bytes.size) shouldBe bytes.size
                    shouldThrow<FramedSocket.Ended> { withTimeout(10.seconds) { raw.receive(1024) } }
                } finally {
                    raw.close()
                }
            }
            // A well-framed message that is no call: a typed answer, then the manager hangs up.
            val socket = UnixListener.connect(Path.of(address))
            val raw = FramedSocket(socket)
            try {
                RawFrames.authenticate(raw, key())
                raw.send(byteArrayOf(1, 2, 3), 0, 3)
                dev.coproc.internal.manager.ManagerAnswer.decode(withTimeout(10.seconds) { raw.receive(4096) }).errorType shouldBe "Protocol"
                shouldThrow<FramedSocket.Ended> { withTimeout(10.seconds) { raw.receive(1024) } }
            } finally {
                raw.close()
            }
            dict.get("k") shouldBe 1
        }
    }

    test("a client that does not authenticate within the handshake deadline is dropped; an authenticated one idle as long is not") {
        val manager = Manager.start(tcp = InetSocketAddress("127.0.0.1", 0), limits = ManagerLimits { handshakeTimeout(1.seconds) })
        try {
            val dict = manager.dict<String, Int>(mapOf("k" to 1))
            val silent = silentClient(manager.address)
            try {
                // The manager hangs up on it: its stream ends (the timeout only bounds the test).
                shouldThrow<FramedSocket.Ended> { withTimeout(20.seconds) { silent.receive(1024) } }
            } finally {
                silent.close()
            }
            dict.get("k") shouldBe 1
        } finally {
            manager.shutdown()
        }
    }

    test("connecting to a server that accepts and never speaks fails typed after the client's handshake deadline") {
        val server = java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())
        val accepted = java.util.concurrent.CompletableFuture.supplyAsync { server.accept() }
        val deadline = ManagerClient.handshakeTimeout
        ManagerClient.handshakeTimeout = 1.seconds
        try {
            val error = withTimeout(20.seconds) {
                shouldThrow<ManagerUnavailableException> { Manager.connect("tcp://127.0.0.1:${server.localPort}", ByteArray(32)) }
            }
            error.message shouldContain "handshake"
        } finally {
            ManagerClient.handshakeTimeout = deadline
            accepted.join().close()
            server.close()
        }
    }

    test("past maxPendingConnections the oldest connection still authenticating is dropped; a real client still gets in") {
        val manager = Manager.start(
            tcp = InetSocketAddress("127.0.0.1", 0),
            limits = ManagerLimits { maxPendingConnections(4); handshakeTimeout(60.seconds) },
        )
        val silent = mutableListOf<FramedSocket>()
        try {
            val dict = manager.dict<String, Int>(mapOf("k" to 1))
            // Each was accepted (it got its challenge); the three oldest were dropped to make room for the newest.
            repeat(7) { silent += silentClient(manager.address) }
            for (dropped in silent.take(3)) shouldThrow<FramedSocket.Ended> { withTimeout(10.seconds) { dropped.receive(1024) } }
            for (waiting in silent.drop(3)) waiting.poll(Duration.ZERO) shouldBe false
            // A client that authenticates gets in (the oldest still waiting makes room), and so do its calls.
            val fresh = ManagerClient(manager.address, manager.key())
            try {
                withTimeout(10.seconds) { fresh.call(0, "ping", emptyList()) }
            } finally {
                fresh.close()
            }
            shouldThrow<FramedSocket.Ended> { withTimeout(10.seconds) { silent[3].receive(1024) } }
            dict.get("k") shouldBe 1
        } finally {
            silent.forEach { it.close() }
            manager.shutdown()
        }
    }

    test("a manager out of descriptors keeps serving its clients, and accepts again once one is free") {
        val manager = Manager.start(tcp = InetSocketAddress("127.0.0.1", 0))
        val clients = mutableListOf<ManagerClient>()
        try {
            val pid = manager.pid!!
            val port = ManagerClient.hostAndPort(manager.address).second
            val dict = manager.dict<String, Int>(mapOf("k" to 1))
            suspend fun connected() = ManagerClient(manager.address, manager.key()).also { clients += it; it.call(0, "ping", emptyList()) }
            // One that comes and goes first: the manager then has run that code (loading a class takes a descriptor).
            connected().close()
            clients.clear()
            // A limit that leaves three descriptor numbers free (a new descriptor takes the lowest free number).
            val limit = (0..Int.MAX_VALUE).asSequence().filter { it !in openFds(pid) }.take(3).last() + 1
            Command("prlimit", "--pid", "$pid", "--nofile=$limit:$limit").run().checkSuccess()
            while (!(0 until limit).all { it in openFds(pid) }) connected()
            coroutineScope {
                // Its descriptor table is full: this client's connection waits to be accepted, and accept4 fails (EMFILE).
                val late = ManagerClient(manager.address, manager.key()).also { clients += it }
                val lateCall = async(start = CoroutineStart.UNDISPATCHED) { late.call(0, "ping", emptyList()) }
                // Two round trips on an accepted connection, the second sent after the first answer: the manager has
                // tried to accept the late connection (ready before both) by the time it answers the second.
                repeat(2) { dict.get("k") shouldBe 1 }
                acceptQueue(port) shouldBe 1
                (0 until limit).all { it in openFds(pid) } shouldBe true
                // One client leaves, freeing a descriptor: the late one gets in.
                clients.first().close()
                withTimeout(30.seconds) { lateCall.await() }
            }
            dict.get("k") shouldBe 1
        } finally {
            clients.forEach { it.close() }
            manager.shutdown()
        }
    }

    test("clients announcing huge calls and sending one byte do not grow the manager by what they announce; it keeps serving") {
        manager {
            val dict = dict<String, Int>(mapOf("k" to 1))
            val before = residentKib(pid!!)
            val announced = 63 * 1024 * 1024
            val liars = (1..12).map {
                val socket = UnixListener.connect(Path.of(address))
                val raw = FramedSocket(socket)
                RawFrames.authenticate(raw, key())
                val header = RawFrames.header(Frame.MESSAGE, announced) + 1
                socket.send(header, 0, header.size) shouldBe header.size
                raw
            }
            try {
                // Three round trips, each sent after the previous answer: the manager has read what the liars sent.
                repeat(3) { dict.get("k") shouldBe 1 }
                withClue("manager RSS grew from $before KiB") { residentKib(pid!!) - before shouldBeLessThan 200L * 1024 }
            } finally {
                liars.forEach { it.close() }
            }
            dict.get("k") shouldBe 1
        }
    }

    test("the manager's socket is owner-only (0600)") {
        manager {
            java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(address))) shouldBe "rw-------"
            java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(address).parent)) shouldBe "rwx------"
        }
    }

    test("an answer that breaks the framing (corrupted or oversized) fails the call with ManagerUnavailableException, typed") {
        val key = ByteArray(32) { 3 }
        for (answer in listOf(
            RawFrames.frame(Frame.MESSAGE, ByteArray(16), checksum = 42),
            RawFrames.header(Frame.MESSAGE, ManagerClient.MAX_ANSWER + 1),
        )) {
            val path = UnixListener.privatePath("bad-manager")
            val listener = UnixListener.bind(path)
            try {
                coroutineScope {
                    launch {
                        var socket = listener.accept()
                        while (socket == null) {
                            dev.coproc.internal.awaitFd(listener.number(), dev.coproc.internal.os.FdPoller.READABLE)
                            socket = listener.accept()
                        }
                        val server = FramedSocket(socket)
                        try {
                            KeyedHandshake.accept(server, key, 1024, "a client") shouldBe true
                            server.receive(1024) // the call
                            socket.send(answer, 0, answer.size) shouldBe answer.size
                            shouldThrow<FramedSocket.Ended> { withTimeout(10.seconds) { server.receive(1024) } }
                        } finally {
                            server.close()
                        }
                    }
                    val client = ManagerClient(path.toString(), key)
                    val error = shouldThrow<ManagerUnavailableException> { withTimeout(10.seconds) { publicFailures { client.call(0, "ping", emptyList()) } } }
                    (error.cause as FrameException).reason() shouldBe
                        if (answer.size == 9) FrameException.Reason.OVERSIZED else FrameException.Reason.CORRUPTED
                    client.close()
                }
            } finally {
                listener.close()
            }
        }
    }
})

/** A raw connection to the TCP manager at [address] that reads its challenge (so it was accepted), then says nothing. */
private suspend fun silentClient(address: String): FramedSocket {
    val (host, port) = ManagerClient.hostAndPort(address)
    val raw = FramedSocket(TcpListener.connect(host, port))
    try {
        withTimeout(10.seconds) { RawFrames.readHello(raw) }
    } catch (e: Throwable) {
        raw.close()
        throw e
    }
    return raw
}

/** The connections waiting to be accepted on 127.0.0.1:[port]: a listening socket's rx_queue in /proc/net/tcp. */
private fun acceptQueue(port: Int): Int {
    val local = "0100007F:%04X".format(port)
    val listening = Files.readAllLines(Path.of("/proc/net/tcp")).drop(1).map { it.trim().split(Regex("\\s+")) }
        .single { it[1] == local && it[3] == "0A" }
    return listening[4].substringAfter(':').toInt(16)
}

/** The descriptor numbers open in process [pid]. */
private fun openFds(pid: Long): Set<Int> =
    Files.list(Path.of("/proc/$pid/fd")).use { fds -> fds.map { it.fileName.toString().toInt() }.toList().toSet() }

/** The resident memory of process [pid], in KiB. */
private fun residentKib(pid: Long): Long =
    Files.readAllLines(Path.of("/proc/$pid/status")).first { it.startsWith("VmRSS:") }.split(Regex("\\s+"))[1].toLong()
