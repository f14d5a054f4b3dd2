package dev.coproc.demo

import dev.coproc.Process
import dev.coproc.RemoteTaskException
import dev.coproc.ProcessDiedException
import dev.coproc.Task
import dev.coproc.currentProcess
import dev.coproc.processScope
import java.time.LocalTime
import java.time.format.DateTimeFormatter
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay
import kotlinx.serialization.Serializable

/** The seeds' `simpleRoutine`: a child that prints its pid and its parent's. */
@Serializable
class Routine(val label: String, val delayMillis: Long) : Task<Unit> {
    override suspend fun run() {
        val me = currentProcess()
        println("routine $label starting: pid ${me.pid}, parent ${me.parentPid}")
        delay(delayMillis)
        println("routine $label finished")
    }
}

object Pids {
    suspend fun run() {
        println("main process: pid ${currentProcess().pid}")
        val first = Process(Routine("First", 500)).also { it.start() }
        val second = Process(Routine("Two", 1000)).also { it.start() }
        first.join()
        second.join()
    }
}

/** The seeds' ClockProcess: a Process subclass whose run() prints the time every interval. */
@Serializable
class ClockProcess(private val intervalMillis: Long) : Process<Unit>() {
    override suspend fun run() {
        val format = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
        while (true) {
            println("the time is ${LocalTime.now().format(format)}")
            delay(intervalMillis)
        }
    }
}

object Clock {
    suspend fun run() {
        val clock = ClockProcess(intervalMillis = 500)
        clock.start()
        clock.join(2.seconds)           // returns while the clock still runs
        println("clock alive after 2 s: ${clock.isAlive}")
        clock.terminate()
        clock.join()
        println("clock exit code: ${clock.exitCode}") // -15, as Python reports terminate()
    }
}

@Serializable
class Ticker(val label: String, val ticks: Int) : Task<Unit> {
    override suspend fun run() {
        var tick = 0
        while (ticks == 0 || tick < ticks) {
            println("$label tick ${++tick}")
            delay(300)
        }
    }
}

object Daemons {
    suspend fun run() {
        lateinit var daemon: Process<Unit>
        lateinit var regular: Process<Unit>
        processScope {
            daemon = start(Process(Ticker("daemon", ticks = 0), daemon = true))
            regular = start(Process(Ticker("non-daemon", ticks = 3)))
            delay(1000) // let both tick a while
            println("scope body done; leaving the scope joins the non-daemon and terminates the daemon")
        }
        println("non-daemon exit code ${regular.exitCode}, daemon exit code ${daemon.exitCode}")
    }
}

@Serializable
class ExitCode(val code: Int) : Task<Unit> {
    override suspend fun run() {
        System.exit(code)
    }
}

@Serializable
class Raise(val message: String) : Task<Unit> {
    override suspend fun run(): Unit = throw IllegalArgumentException(message)
}

@Serializable
class Forever : Task<Unit> {
    override suspend fun run() {
        while (true) delay(1000)
    }
}

object ExitCodes {
    suspend fun run() {
        val normal = Process(Ticker("normal", 1)).also { it.start() }
        val exits3 = Process(ExitCode(3)).also { it.start() }
        val raises = Process(Raise("bad input")).also { it.start() }
        val killed = Process(Forever()).also { it.start() }
        val terminated = Process(Forever()).also { it.start() }
        killed.kill()
        terminated.terminate()
        for (p in listOf(normal, exits3, raises, killed, terminated)) {
            p.join()
            println("${p.name}: exit code ${p.exitCode} (${p.exitStatus})")
        }
        try {
            raises.await()
        } catch (e: RemoteTaskException) {
            println("await() of ${raises.name} threw: ${e.message}")
        }
        try {
            exits3.await()
        } catch (e: ProcessDiedException) {
            println("await() of ${exits3.name} threw: ${e.message}")
        }
    }
}
