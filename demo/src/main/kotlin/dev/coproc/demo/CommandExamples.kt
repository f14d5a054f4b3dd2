package dev.coproc.demo

import dev.coproc.Command
import dev.coproc.CommandFailedException
import dev.coproc.CommandOutput
import dev.coproc.Event
import dev.coproc.Process
import dev.coproc.Task
import dev.coproc.os.Signals
import dev.coproc.handleSignals
import kotlinx.coroutines.channels.Channel
import kotlinx.serialization.Serializable

/** The seeds' subprocess section: Popen with pipes, poll, communicate, and the 64 KiB pipe trap. */
object Subprocess {
    suspend fun run() {
        // Popen('ls -l', shell=True, stdout=PIPE): lines as they come.
        Command.shell("ls -l /").stdout(CommandOutput.Pipe).start().use { ls ->
            println("pid ${ls.pid}, poll() right after start: ${ls.poll()}")
            var lines = 0
            ls.stdoutLines().collect { if (lines++ < 3) println("  $it") }
            println("  ... $lines lines; ended: ${ls.await()}")
        }
        // The trap: wait() on a child that fills its 64 KiB pipe never returns in Python. Capture reads as it
        // comes, so any size works.
        for (size in listOf(64 * 1024, 64 * 1024 + 1, 8 * 1024 * 1024)) {
            val result = Command.shell("head -c $size /dev/urandom").stderr(CommandOutput.ToStdout).run()
            println("dd of $size bytes: ${result.stdout.size} bytes captured, $result")
        }
        // communicate() with input, and check=True.
        println("sort: " + Command("sort").stdin("pear\napple\nfig\n").run().stdoutText.lines().filter { it.isNotEmpty() })
        try {
            Command.shell("echo 'no such file' >&2; exit 2").check().run()
        } catch (e: CommandFailedException) {
            println("check(): ${e.message}")
        }
    }
}

/** Prints each of SIGUSR1 and SIGHUP it receives (two of them), then returns. */
@Serializable
class SignalListener(val ready: Event) : Task<Unit> {
    override suspend fun run() {
        val received = Channel<Int>(8)
        handleSignals(Signals.SIGUSR1, Signals.SIGHUP) { received.trySend(it) }.use {
            ready.set() // the handlers are in place: handleSignals installs them before it returns
            repeat(2) { println("child got ${Signals.name(received.receive())}") }
        }
    }
}

/** The seeds' `os.kill(pid, sig)` and `signal.signal`: a child JVM handles USR1 and HUP; TERM ends it with -15. */
object SignalExample {
    suspend fun run() = Event().use { ready ->
        val child = Process(SignalListener(ready)).also { it.start() }
        ready.wait()
        Signals.send(child.pid!!, Signals.SIGUSR1)
        Signals.send(child.pid!!, Signals.SIGHUP)
        child.join()
        println("child ended: ${child.exitStatus}")
        Command("sleep", "100").start().use { sleeper ->
            sleeper.terminate()
            println("sleep after terminate(): ${sleeper.await()} (returncode ${sleeper.await().code()})")
        }
    }
}
