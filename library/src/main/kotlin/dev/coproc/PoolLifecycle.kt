package dev.coproc

import dev.coproc.internal.pool.Payload
import dev.coproc.internal.pool.WorkItem
import kotlin.time.Duration
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext

/** Where a pool's items run: the local scheduler's worker JVMs, or the cluster's nodes. */
internal interface PoolEngine {
    /** Takes [payload] as a new item; null when the engine takes no more. */
    fun submit(payload: Payload, timeout: Duration?): WorkItem?

    /** Takes no new items; the ones taken still run. */
    fun close()

    /** Fails the items not yet done, typed, and stops the work. */
    fun terminate()

    /** Suspends until every item taken is done. */
    suspend fun join()
}

/**
 * The states every pool goes through, as in Python: open, closed (no new tasks; the queued ones still run)
 * or terminated (nothing more runs), with `join` once closed or terminated. Written once for every [Pool],
 * over its [engine]; [onJoined] runs once the engine has joined.
 */
internal class PoolLifecycle(private val engine: PoolEngine, private val onJoined: () -> Unit) {
    @Volatile
    private var state = State.OPEN

    private enum class State { OPEN, CLOSED, TERMINATED }

    /** The state as `toString` shows it. */
    val stateName: String get() = state.name.lowercase()

    /** Hands [payload] to the engine as a new item; [PoolClosedException] once the pool is closed or terminated. */
    fun submit(payload: Payload, timeout: Duration?): WorkItem {
        val closed = { PoolClosedException("the pool is $stateName: it takes no new tasks") }
        if (state != State.OPEN) throw closed()
        return engine.submit(payload, timeout) ?: throw closed()
    }

    fun close() {
        synchronized(this) {
            if (state == State.OPEN) state = State.CLOSED
        }
        engine.close()
    }

    fun terminate() {
        synchronized(this) {
            if (state == State.TERMINATED) return
            state = State.TERMINATED
        }
        engine.terminate()
    }

    /** Suspends until the engine is done; cancelling the caller terminates the pool first. */
    suspend fun join() {
        check(state != State.OPEN) { "join() needs close() or terminate() first, as in Python" }
        try {
            engine.join()
        } catch (e: CancellationException) {
            terminate()
            withContext(NonCancellable) { engine.join() }
            onJoined()
            throw e
        }
        onJoined()
    }
}
