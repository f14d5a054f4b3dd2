package dev.coproc.demo

import dev.coproc.Process
import dev.coproc.SharedDict
import dev.coproc.SharedList
import dev.coproc.Task
import dev.coproc.manager
import kotlinx.serialization.Serializable

/** The seeds' worker: puts its pid into the dict under its name and appends it to the list. */
@Serializable
class WritePid(val dict: SharedDict<Int, Long>, val list: SharedList<Long>, val name: Int) : Task<Unit> {
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
class FillNamespace(val namespace: dev.coproc.SharedNamespace) : Task<Unit> {
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
