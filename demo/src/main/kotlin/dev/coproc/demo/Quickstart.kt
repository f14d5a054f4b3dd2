package dev.coproc.demo

import dev.coproc.Process
import dev.coproc.Task
import dev.coproc.currentProcess
import kotlinx.serialization.Serializable

// README: Kotlin quickstart (keep the two in step).
@Serializable
class Square(val x: Int) : Task<Int> {
    override suspend fun run(): Int {
        println("squaring $x in ${currentProcess()}")
        return x * x
    }
}

object Quickstart {
    suspend fun main() {
        val p = Process(Square(7), name = "squarer")
        p.start()
        println("result: ${p.await()}")   // 49, computed in another JVM
        p.join()
        println("exit code: ${p.exitCode}") // 0
    }
}
