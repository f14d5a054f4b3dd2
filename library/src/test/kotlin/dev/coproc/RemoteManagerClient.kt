package dev.coproc

import kotlinx.coroutines.runBlocking

/**
 * A JVM started on its own (not a coproc worker) that connects to a manager by address and key, as a program on
 * another machine would: it finds the published queue and dict, puts `hello from <pid>` and adds 1 to "visits".
 * Arguments: the address, the key in hex.
 */
object RemoteManagerClient {
    @JvmStatic
    fun main(args: Array<String>): Unit = runBlocking {
        val remote = Manager.connect(args[0], args[1].hexToByteArray())
        try {
            val inbox = remote.lookup<ManagedQueue<String>>("inbox")
            val stats = remote.lookup<ManagedDict<String, Int>>("stats")
            inbox.put("hello from ${ProcessHandle.current().pid()}")
            stats.update("visits", AddToEntry(1))
        } finally {
            remote.close()
        }
    }
}
