package dev.coproc

import dev.coproc.os.Signals
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.flow.callbackFlow
import sun.misc.Signal
import sun.misc.SignalHandler

/**
 * The signals this JVM receives among [signals] (numbers, e.g. [Signals.SIGTERM], [Signals.SIGHUP],
 * [Signals.SIGUSR1]), as they come. While the flow is collected, its handlers replace the previous ones
 * (the JVM's own TERM/INT/HUP shutdown among them); when the collection ends, the previous ones are back.
 *
 * ```
 * receivedSignals(Signals.SIGHUP, Signals.SIGTERM).collect { if (it == Signals.SIGHUP) reload() else shutdown() }
 * ```
 * Signals that arrive faster than they are collected are kept (up to 64), never dropped silently; SIGKILL and
 * SIGSTOP cannot be handled, and the JVM reserves SIGQUIT: those fail with [IllegalArgumentException].
 */
public fun receivedSignals(vararg signals: Int): Flow<Int> = callbackFlow {
    val installed = installHandlers(signals) { trySend(it) }
    awaitClose { installed.close() }
}.buffer(64, BufferOverflow.SUSPEND)

/**
 * Calls [handler] (on the JVM's signal thread: keep it short) for each of [signals] this JVM receives, until
 * the returned handle is closed, which puts back the previous handlers.
 */
public fun handleSignals(vararg signals: Int, handler: (signal: Int) -> Unit): AutoCloseable = installHandlers(signals, handler)

private fun installHandlers(signals: IntArray, deliver: (Int) -> Unit): AutoCloseable {
    require(signals.isNotEmpty()) { "name at least one signal" }
    val previous = mutableListOf<Pair<Signal, SignalHandler>>()
    try {
        for (number in signals) {
            val signal = try {
                Signal(Signals.name(number).removePrefix("SIG"))
            } catch (e: IllegalArgumentException) {
                throw IllegalArgumentException("unknown signal $number", e)
            }
            val old = try {
                Signal.handle(signal) { deliver(number) }
            } catch (e: IllegalArgumentException) {
                throw IllegalArgumentException("${Signals.name(number)} cannot be handled in the JVM: ${e.message}", e)
            }
            previous += signal to old
        }
    } catch (e: IllegalArgumentException) {
        previous.asReversed().forEach { (signal, old) -> Signal.handle(signal, old) }
        throw e
    }
    return AutoCloseable { previous.asReversed().forEach { (signal, old) -> Signal.handle(signal, old) } }
}
