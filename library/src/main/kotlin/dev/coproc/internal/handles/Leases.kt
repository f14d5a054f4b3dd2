package dev.coproc.internal.handles

import dev.coproc.internal.os.FdSharer

/**
 * The handles in one message whose destination's life an owner follows (a child process's task, a pool task
 * or map chunk, a pool initializer): encoded inside [encoding], each handle crosses as an [FdSharer.Lease]
 * rather than an issued ticket, and the owner [release]s them all once the destination can fetch no more (the
 * child was reaped, the task completed or was dropped). So a destination that dies before it fetched, or a
 * task dropped unrun, keeps no descriptor open in this process: the other end of a pipe sees end of stream.
 *
 * [reusable]: the owner may send the message more than once (a pool retries a task on another worker), so the
 * leases stay fetchable until released; otherwise a lease's first fetch spends it, as for an issued ticket.
 */
internal class Leases(val reusable: Boolean) {
    private var held: MutableList<FdSharer.Lease>? = null
    private var released = false

    /** Runs [encode] (on this thread) with every handle it encodes leased here; on failure, releases them. */
    fun <R> encoding(encode: () -> R): R {
        val outer = active.get()
        active.set(this)
        try {
            return encode()
        } catch (e: Throwable) {
            release()
            throw e
        } finally {
            active.set(outer)
        }
    }

    /** True when no handle was leased: there is nothing to release. */
    val isEmpty: Boolean @Synchronized get() = held.isNullOrEmpty()

    fun add(lease: FdSharer.Lease) {
        val late = synchronized(this) {
            if (!released) {
                (held ?: ArrayList<FdSharer.Lease>(2).also { held = it }).add(lease)
                return
            }
            lease
        }
        late.release()
    }

    /** The destination can fetch no more: lets go of every lease. Idempotent. */
    fun release() {
        val leases = synchronized(this) {
            released = true
            held.also { held = null }
        }
        leases?.forEach { it.release() }
    }

    companion object {
        private val active = ThreadLocal<Leases?>()

        /** The leases of the message being encoded on this thread, if its owner follows it. */
        fun current(): Leases? = active.get()
    }
}
