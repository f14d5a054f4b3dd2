package dev.coproc.internal

import dev.coproc.os.Fd
import java.io.PrintStream

/** Copies a worker's output stream to this JVM's, each line prefixed with the worker's name and pid. */
internal object OutputPrefixer {
    fun start(source: Fd, prefix: String, target: PrintStream) {
        val thread = Thread(null, {
            source.inputStream().bufferedReader().use { lines ->
                lines.forEachLine { line -> target.println(prefix + line) }
            }
        }, "coproc-output-${source.number()}", 128 * 1024)
        thread.isDaemon = true
        thread.start()
    }
}
