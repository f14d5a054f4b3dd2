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
