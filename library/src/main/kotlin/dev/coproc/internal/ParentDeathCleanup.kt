package dev.coproc.internal

import java.util.concurrent.ConcurrentHashMap

/**
 * Quick, non-blocking clean-ups a worker runs when its parent died, before it halts (a halt runs no `finally`
 * and no shutdown hook, on purpose: nothing may hold up the exit). A manager removes its socket file here.
 */
internal object ParentDeathCleanup {
    private val actions = ConcurrentHashMap.newKeySet<Runnable>()

    /** Registers [action] until the returned handle is closed. */
    fun add(action: Runnable): AutoCloseable {
        actions += action
        return AutoCloseable { actions -= action }
    }

    fun runAll() {
        for (action in actions) runCatching { action.run() }
    }
}
