package dev.coproc

import dev.coproc.internal.shm.RobustLock
import dev.coproc.internal.shm.SharedSegment
import kotlin.contracts.ExperimentalContracts
import kotlin.contracts.InvocationKind
import kotlin.contracts.contract

/**
 * A shared value or array: its single reads, writes and atomic operations need no lock; [withLock] guards
 * compound updates across processes, as Python's `get_lock()`. The lock is a [Lock] in the same memory,
 * robust to a holder's death like every coproc lock.
 */
public sealed class SharedData(segment: SharedSegment) : SharedObject(segment) {
    @PublishedApi @get:JvmSynthetic internal val lock: Lock = Lock(segment)

    /**
     * Runs [block] holding this value's lock, blocking the calling thread to take it: Java's form of [withLock]
     * (an interrupt while waiting takes nothing and throws [InterruptedException]).
     */
    @Throws(InterruptedException::class)
    public fun <R> withLockBlocking(block: java.util.function.Supplier<R>): R {
        lock.acquireBlocking()
        try {
            return block.get()
        } finally {
            lock.release()
        }
    }

    override fun close() {
        lock.close()
        super.close()
    }

    internal companion object {
        /** Where the data begins, after the kind word and the lock. */
        const val DATA = Lock.OFFSET + RobustLock.BYTES + 64
    }
}

/** Runs [action] holding this value's lock; other processes' [withLock] wait meanwhile. */
@OptIn(ExperimentalContracts::class)
public suspend inline fun <R> SharedData.withLock(action: () -> R): R {
    contract { callsInPlace(action, InvocationKind.EXACTLY_ONCE) }
    return lock.withLock(action)
}
