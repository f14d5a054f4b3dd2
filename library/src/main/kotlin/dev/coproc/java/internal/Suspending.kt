package dev.coproc.java.internal

import dev.coproc.internal.javaFuture
import java.util.concurrent.CompletableFuture
import java.util.function.Function
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlinx.coroutines.runBlocking

/**
 * How the Java facades call coproc's `suspend` functions: Java sees one as taking one more parameter, a
 * `Continuation`, which these pass. Only the facades' own code writes such calls; their users never see one.
 */
internal object Suspending {
    /**
     * Runs the call [call] makes on this thread until it returns; its exception is thrown as is. An interrupt of
     * this thread cancels the call and throws [InterruptedException].
     */
    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> blocking(call: Function<Continuation<T>, Any?>): T = runBlocking { suspended(call) }

    /** Starts the call [call] makes; cancelling the future cancels the call. */
    @JvmStatic
    fun <T> async(call: Function<Continuation<T>, Any?>): CompletableFuture<T> = javaFuture { suspended(call) }

    private suspend fun <T> suspended(call: Function<Continuation<T>, Any?>): T =
        suspendCoroutineUninterceptedOrReturn { continuation -> call.apply(continuation) }
}
