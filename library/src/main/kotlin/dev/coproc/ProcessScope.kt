package dev.coproc

import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext

/**
 * A scope that owns the processes started in it: when [processScope]'s block returns, daemon processes are
 * terminated and the others are joined; when it throws or is cancelled, all are terminated.
 */
public class ProcessScope internal constructor() {
    private val started = mutableListOf<Process<*>>()

    /** Starts [process] and makes this scope responsible for it; returns it. */
    public fun <P : Process<*>> start(process: P): P {
        process.start()
        synchronized(started) { started += process }
        return process
    }

    internal fun owned(): List<Process<*>> = synchronized(started) { started.toList() }
}

/**
 * Runs [block] with a [ProcessScope]; no process started in it outlives the call.
 * ```
 * processScope {
 *     val clock = start(Clock(ticks = 100).apply { daemon = true })
 *     start(Process(Work())).await()
 * } // clock terminated here
 * ```
 */
public suspend fun <T> processScope(block: suspend ProcessScope.() -> T): T {
    val scope = ProcessScope()
    val result = try {
        scope.block()
    } catch (e: Throwable) {
        withContext(NonCancellable) { scope.owned().forEach { it.terminateAndWait() } }
        throw e
    }
    withContext(NonCancellable) {
        val (daemons, others) = scope.owned().partition { it.daemon }
        daemons.forEach { it.terminateAndWait() }
        others.forEach { it.join() }
    }
    return result
}
