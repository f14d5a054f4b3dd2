package dev.coproc

import kotlinx.serialization.Serializable

/** The seeds' worker: writes its pid into the shared dict (under [name]) and the shared list. */
@Serializable
class RecordPid(val dict: SharedDict<String, Long>, val list: SharedList<Long>, val name: String) : Task<Unit> {
    override suspend fun run() {
        val pid = ProcessHandle.current().pid()
        dict[name] = pid
        list.append(pid)
    }
}

/** Adds 1 to the dict's "n" [times] times, each a compare-and-set retry loop. */
@Serializable
class CountInDict(val dict: SharedDict<String, Int>, val times: Int) : Task<Unit> {
    override suspend fun run() = repeat(times) {
        while (true) {
            val current = dict.get("n")
            if (dict.compareAndSet("n", current, (current ?: 0) + 1)) break
        }
    }
}

/** Sets two attributes of [namespace] and removes a third. */
@Serializable
class UpdateNamespace(val namespace: SharedNamespace) : Task<Unit> {
    override suspend fun run() {
        namespace.set("x", 10)
        namespace.set("label", "set by a child")
        namespace.remove("old")
    }
}

/** Adds [n] to an Int entry (absent counts as 0). */
@Serializable
class AddToEntry(val n: Int) : DictOperation<Int> {
    override fun apply(current: Int?): Int = (current ?: 0) + n
}

/** Removes the entry. */
@Serializable
class RemoveEntry : DictOperation<Int> {
    override fun apply(current: Int?): Int? = null
}

/** Fails inside the manager. */
@Serializable
class FailingOperation : DictOperation<Int> {
    override fun apply(current: Int?): Int = error("refused: $current")
}

/** Not `@Serializable`: cannot travel to the manager. */
class LocalOperation : DictOperation<Int> {
    override fun apply(current: Int?): Int = 0
}

/** Adds 1 to the dict's "n" [times] times with update. */
@Serializable
class UpdateInDict(val dict: SharedDict<String, Int>, val times: Int) : Task<Unit> {
    override suspend fun run() = repeat(times) { dict.update("n", AddToEntry(1)) }
}
