package dev.coproc.internal.handles

/**
 * Handles (pipe ends, queues...) opened while a task's arguments were decoded belong to that task: the
 * worker closes them when the task ends, so a pool task that forgets to close a pipe end cannot keep the
 * other side from seeing end-of-stream for as long as the worker lives.
 */
internal object DecodedHandles {
    private val current = ThreadLocal<MutableList<AutoCloseable>?>()

    /** Runs [decode], collecting into [owned] every handle it opens. */
    fun <R> collecting(owned: MutableList<AutoCloseable>, decode: () -> R): R {
        val outer = current.get()
        current.set(owned)
        try {
            return decode()
        } finally {
            current.set(outer)
        }
    }

    /** Called by a handle's decoder: hands [resource] to the task being decoded, if any. */
    fun adopt(resource: AutoCloseable) {
        current.get()?.add(resource)
    }
}
