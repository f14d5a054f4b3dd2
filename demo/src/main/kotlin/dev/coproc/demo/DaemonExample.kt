package dev.coproc.demo

import dev.coproc.Command
import dev.coproc.Daemon
import dev.coproc.DaemonAlreadyRunningException
import dev.coproc.os.Signals
import dev.coproc.receivedSignals
import java.nio.file.Files
import java.nio.file.Path
import java.time.LocalTime
import kotlin.system.exitProcess
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

/** The seeds' test_daemon: logs that it is alive every few seconds; SIGTERM ends it cleanly. */
object AliveDaemon {
    @JvmStatic
    fun main(args: Array<String>) = runBlocking {
        println("Daemon started with pid ${ProcessHandle.current().pid()}")
        launch {
            receivedSignals(Signals.SIGTERM).first()
            println("Daemon got SIGTERM, exiting")
            exitProcess(0)
        }
        while (true) {
            println("Daemon Alive! ${LocalTime.now().withNano(0)}")
            delay(3_000)
        }
    }
}

/** `demo daemon start|stop|restart|status`: the seeds' daemon, with its pidfile and log in the temp folder. */
object DaemonExample {
    private val folder = Path.of(System.getProperty("java.io.tmpdir"))
    private val daemon = Daemon(
        Command(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", absoluteClasspath(), AliveDaemon::class.java.name),
        pidFile = folder.resolve("coproc-demo-daemon.pid"),
        logFile = folder.resolve("coproc-demo-daemon.log"),
        stopGrace = 5.seconds,
    )

    /** A daemon runs in `/`: relative classpath entries would name nothing there. */
    private fun absoluteClasspath(): String =
        System.getProperty("java.class.path").split(java.io.File.pathSeparator).joinToString(java.io.File.pathSeparator) { Path.of(it).toAbsolutePath().toString() }

    suspend fun command(action: String) {
        when (action) {
            "start" -> try {
                println("started, pid ${daemon.start()}; log: ${daemon.logFile}")
            } catch (e: DaemonAlreadyRunningException) {
                println(e.message)
            }
            "stop" -> println(if (daemon.stop()) "stopped" else "not running")
            "restart" -> println("restarted, pid ${daemon.restart()}")
            "status" -> println(daemon.status())
            else -> println("usage: daemon start|stop|restart|status")
        }
    }

    /** The whole story, for `demo all`. */
    suspend fun run() {
        for (action in listOf("status", "start", "start", "status")) {
            print("daemon $action: ")
            command(action)
        }
        val log = daemon.logFile!!
        kotlinx.coroutines.withTimeout(60.seconds) { while (Files.readAllLines(log).none { it.startsWith("Daemon Alive") }) delay(100) }
        println("log: " + Files.readAllLines(log).takeLast(2))
        print("daemon stop: ")
        command("stop")
        print("daemon status: ")
        command("status")
        println("log: " + Files.readAllLines(log).last())
    }
}
