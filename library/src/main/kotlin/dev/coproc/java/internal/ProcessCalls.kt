package dev.coproc.java.internal

import dev.coproc.Process
import dev.coproc.internal.toTimeout
import kotlinx.coroutines.runBlocking

/**
 * [dev.coproc.java.JavaProcess]'s waits, on the caller's thread. An interrupt cancels the wait as cancelling the
 * Kotlin caller does: the child is terminated, and [InterruptedException] is thrown.
 */
internal object ProcessCalls {
    /** Waits for the child's end; returns its exit code (minus the signal number when a signal ended it). */
    @JvmStatic
    @Throws(InterruptedException::class)
    fun join(process: Process<*>): Int = runBlocking {
        process.join()
        process.exitStatus!!.code()
    }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun join(process: Process<*>, timeout: java.time.Duration?): Boolean = runBlocking { process.join(timeout.toTimeout()) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <R> await(process: Process<R>): R = runBlocking { process.await() }
}
