package dev.coproc

import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking

/**
 * A program (run in a JVM of its own) that starts a manager, uses it, and never closes it: prints the
 * manager's pid and socket path, then ends `main` by returning (argument `return`) or by `exitProcess(0)`
 * (argument `exit`). The JVM must exit all the same, and take its manager with it.
 */
object ForgottenManager {
    @JvmStatic
    fun main(args: Array<String>) {
        val manager = runBlocking {
            Manager.start().also { it.dict<String, Int>()["k"] = 1 }
        }
        println("${manager.pid} ${manager.address}")
        System.out.flush()
        if (args[0] == "exit") exitProcess(0)
    }
}
