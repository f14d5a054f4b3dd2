package dev.coproc

import java.util.concurrent.ConcurrentHashMap

/**
 * Every started, not yet ended [Process] of this JVM. At JVM exit, daemon processes are terminated and the
 * others are waited for, as Python does at interpreter exit (without the wait, they would read EOF on their
 * command pipe and stop as soon as this JVM is gone). Processes that serve the others ([Process.servesOthers]:
 * managers) never end by themselves: they are shut down last, SIGTERM first, once the processes waited for
 * (which may still use them) have ended, as Python finalizes a manager nobody shut down.
 */
internal object LiveProcesses {
    private val live: MutableSet<Process<*>> = ConcurrentHashMap.newKeySet()

    init {
        Runtime.getRuntime().addShutdownHook(Thread({ atExit() }, "coproc-exit"))
    }

    fun add(process: Process<*>) {
        live += process
    }

    fun remove(process: Process<*>) {
        live -= process
    }

    fun snapshot(): List<Process<*>> = live.toList()

    private fun atExit() {
        val (services, users) = live.partition { it.servesOthers }
        val (daemons, others) = users.partition { it.daemon }
        daemons.forEach { it.terminateBlocking() }
        others.forEach { it.onExit().join() }
        services.forEach { it.terminateBlocking() }
    }
}
