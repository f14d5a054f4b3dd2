package dev.coproc.internal.channel

import dev.coproc.internal.os.Fd
import java.io.PrintStream
import java.util.concurrent.CompletableFuture

/** Copies a worker's output stream to this JVM's, each line prefixed with the worker's name and pid. */
internal object OutputPrefixer {
    /** Starts copying; the future completes at EOF, once every holder of the pipe's write end has closed it. */
    fun start(source: Fd, prefix: String, target: PrintStream): CompletableFuture<Unit> {
        val done = CompletableFuture<Unit>()
        val thread = Thread(null, {
            try {
                source.inputStream().bufferedReader().use { lines ->
                    lines.forEachLine { line -> target.println(prefix + line) }
                }
            } finally {
                done.complete(Unit)
            }
        }, "coproc-output-${source.number()}", 128 * 1024)
        thread.isDaemon = true
        thread.start()
        return done
    }
}
