package dev.coproc

import java.io.FileOutputStream
import kotlinx.coroutines.future.await
import java.nio.file.Files
import java.nio.file.Path
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.serialization.Serializable

@Serializable
class Square(val x: Int) : Task<Int> {
    override suspend fun run(): Int = x * x
}

@Serializable
data class Info(val name: String, val pid: Long, val parentPid: Long)

@Serializable
class WhoAmI : Task<Info> {
    override suspend fun run(): Info = currentProcess().let { Info(it.name, it.pid, it.parentPid) }
}

@Serializable
class Fail(val message: String) : Task<Int> {
    override suspend fun run(): Int = throw IllegalStateException(message, IllegalArgumentException("root cause"))
}

@Serializable
class ExitWith(val code: Int) : Task<Unit> {
    override suspend fun run() {
        System.exit(code)
    }
}

/** Runs until cancelled; on cancellation writes [marker] so the test can see the task's finally ran. */
@Serializable
class RunForever(val marker: String? = null) : Task<Unit> {
    override suspend fun run() {
        try {
            awaitCancellation()
        } finally {
            marker?.let { Files.writeString(Path.of(it), "cancelled") }
        }
    }
}

@Serializable
class Sleep(val millis: Long) : Task<Long> {
    override suspend fun run(): Long {
        delay(millis)
        return millis
    }
}

/** The targets of the child's open fds, as the child sees them. */
@Serializable
class OpenFds : Task<List<String>> {
    override suspend fun run(): List<String> = Files.list(Path.of("/proc/self/fd")).use { fds ->
        fds.map { fd -> runCatching { Files.readSymbolicLink(fd).toString() }.getOrDefault("?") }.toList()
    }
}

/** Writes raw bytes straight into the reply pipe (fd 4), then waits: a worker gone wrong. */
@Serializable
class WriteRawReply(val bytes: ByteArray, val exitAfter: Boolean) : Task<Unit> {
    override suspend fun run() {
        FileOutputStream("/proc/self/fd/4").use { it.write(bytes); it.flush() }
        if (exitAfter) Runtime.getRuntime().halt(0)
        awaitCancellation()
    }
}

@Serializable
class Bytes(val size: Int) : Task<ByteArray> {
    override suspend fun run(): ByteArray = ByteArray(size) { (it % 251).toByte() }
}

@Serializable
class Echo(val payload: ByteArray) : Task<Int> {
    override suspend fun run(): Int = payload.size
}

/** A class that is not @Serializable. */
class NotSerializable : Task<Int> {
    override suspend fun run(): Int = 1
}

@Serializable
class ReturnsThread : Task<Thread> {
    override suspend fun run(): Thread = Thread.currentThread()
}

@Serializable
class Env(val name: String) : Task<String?> {
    override suspend fun run(): String? = System.getenv(name)
}

@Serializable
class WorkingDirectory : Task<String> {
    override suspend fun run(): String = Path.of("").toAbsolutePath().toString()
}

@Serializable
class SystemProperty(val name: String) : Task<String?> {
    override suspend fun run(): String? = System.getProperty(name)
}

@Serializable
class GarbageCollectors : Task<List<String>> {
    override suspend fun run(): List<String> = java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().map { it.name }
}

@Serializable
class MaxHeap : Task<Long> {
    override suspend fun run(): Long = Runtime.getRuntime().maxMemory()
}

@Serializable
class Print(val line: String) : Task<Unit> {
    override suspend fun run() {
        println(line)
    }
}

/** The seeds' custom process class: a subclass whose run() is overridden. */
@Serializable
class CountingProcess(val count: Int) : Process<Int>() {
    override suspend fun run(): Int {
        var sum = 0
        repeat(count) { sum += it }
        return sum + currentProcess().name.length
    }
}

/** Ignores SIGTERM, as a misbehaving child might: only SIGKILL stops it. */
@Serializable
class IgnoreTerm(val ready: String) : Task<Unit> {
    override suspend fun run() {
        sun.misc.Signal.handle(sun.misc.Signal("TERM")) { }
        Files.writeString(Path.of(ready), "ready")
        awaitCancellation()
    }
}

/**
 * Starts a grandchild running forever (suspended, or [busy] in a loop that never suspends) and returns its
 * pid; then this worker exits, waiting for it or not.
 */
@Serializable
class StartGrandchild(val daemon: Boolean, val busy: Boolean = false) : Task<Long> {
    override suspend fun run(): Long {
        val grandchild = Process(if (busy) SpinForever() else RunForever(), name = "grandchild", daemon = daemon)
        grandchild.start()
        grandchild.running.await()
        return grandchild.pid!!
    }
}

@Serializable
class SpinForever : Task<Unit> {
    override suspend fun run() {
        while (true) Thread.onSpinWait()
    }
}

@Serializable
class Allocate(val megabytes: Int) : Task<Int> {
    override suspend fun run(): Int = List(megabytes) { ByteArray(1 shl 20) }.size
}

/** Delivers its result, then keeps its JVM from exiting: a shutdown hook that never ends. */
@Serializable
class HangAtExit(val result: Int) : Task<Int> {
    override suspend fun run(): Int {
        Runtime.getRuntime().addShutdownHook(Thread { Thread.sleep(Long.MAX_VALUE) })
        return result
    }
}
