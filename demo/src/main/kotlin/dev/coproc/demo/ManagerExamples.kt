package dev.coproc.demo

import dev.coproc.Command
import dev.coproc.ManagedQueue
import dev.coproc.Manager
import dev.coproc.CommandOutput
import dev.coproc.Process
import dev.coproc.ManagedDict
import dev.coproc.ManagedList
import dev.coproc.Task
import dev.coproc.authKey
import dev.coproc.manager
import dev.coproc.processPool
import java.net.InetSocketAddress
import kotlin.time.Duration.Companion.seconds
import kotlinx.serialization.Serializable

/** The seeds' worker: puts its pid into the dict under its name and appends it to the list. */
@Serializable
class WritePid(val dict: ManagedDict<Int, Long>, val list: ManagedList<Long>, val name: Int) : Task<Unit> {
    override suspend fun run() {
        val pid = ProcessHandle.current().pid()
        dict[name] = pid
        list.append(pid)
        println("$name worker: ${list.snapshot()}")
    }
}

/** The seeds' `managerContext()`: ten processes fill a manager's dict and list, the parent prints them. */
object ManagerDictList {
    suspend fun run() = manager {
        val dict = dict<Int, Long>()
        val list = list<Long>()
        val jobs = (0 until 10).map { Process(WritePid(dict, list, it)).also { p -> p.start() } }
        jobs.forEach { it.join() }
        println("dict: ${dict.items()}")
        println("list: ${list.snapshot()}")
    }
}

/** Sets attributes of a manager's namespace from a child. */
@Serializable
class FillNamespace(val namespace: dev.coproc.ManagedNamespace) : Task<Unit> {
    override suspend fun run() {
        namespace.set("x", 10)
        namespace.set("y", "hello from ${ProcessHandle.current().pid()}")
    }
}

/** A Namespace updated by a child and read by the parent, as Python's `Manager().Namespace()`. */
object ManagerNamespace {
    suspend fun run() = manager {
        val namespace = namespace()
        namespace.set("x", 1)
        println("before: x=${namespace.get<Int>("x")}, y=${namespace.get<String>("y")}")
        Process(FillNamespace(namespace)).also { it.start() }.join()
        println("after:  x=${namespace.get<Int>("x")}, y=${namespace.get<String>("y")}")
    }
}

/** A pool task that puts its result into a manager queue instead of returning it. */
@Serializable
class SquareInto(val results: ManagedQueue<String>, val n: Int) : Task<Unit> {
    override suspend fun run() = results.put("$n squared is ${n * n} (pid ${ProcessHandle.current().pid()})")
}

/** The seeds' `Manager().Queue()` handed to pool tasks: the tasks put, the parent drains. */
object ManagerQueue {
    suspend fun run() = manager {
        val results = queue<String>()
        processPool(workers = 2) { map((1..6).map { SquareInto(results, it) }) }
        repeat(6) { println(results.get(10.seconds)) }
    }
}

/**
 * A manager served over TCP on localhost, used from a second JVM started on its own (not a coproc worker)
 * with only the address and key, as a program on another machine would: Python's `BaseManager(address,
 * authkey)` with `serve_forever()` on one side and `connect()` on the other.
 */
object ManagerRemote {
    suspend fun run() {
        val server = Manager.start(tcp = InetSocketAddress("127.0.0.1", 0))
        try {
            val inbox = server.queue<String>()
            server.publish("inbox", inbox)
            println("manager listening at ${server.address}")
            val java = ProcessHandle.current().info().command().get()
            val client = Command(java, "-cp", System.getProperty("java.class.path"), Main::class.java.name, "manager-remote-client", server.address, server.authKey.toHexString())
                .stdout(CommandOutput.Inherit)
                .run()
            client.checkSuccess()
            println("the parent got: ${inbox.get(10.seconds)}")
        } finally {
            server.shutdown()
        }
    }

    /** The second JVM's side: connect with the address and key, find the queue, put a message. */
    suspend fun client(address: String, keyHex: String) {
        Manager.connect(address, keyHex.hexToByteArray()).use { remote ->
            val inbox = remote.lookup<ManagedQueue<String>>("inbox")
            inbox.put("hello over TCP from pid ${ProcessHandle.current().pid()}")
            println("second JVM (pid ${ProcessHandle.current().pid()}): connected to $address and put a message")
        }
    }
}
