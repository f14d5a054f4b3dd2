package dev.coproc.java.internal

import java.util.function.Function
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlinx.coroutines.runBlocking

/**
 * How the Java facades call coproc's `suspend` functions and wait on the caller's thread: Java sees a suspend
 * function as taking one more parameter, a [Continuation], and [blocking] passes it. It is declared to throw
 * [InterruptedException] (which `runBlocking` throws when the waiting thread is interrupted, after cancelling the
 * call and waiting for its end), so that the facades' Java code can declare and catch it.
 */
internal object Suspending {
    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> blocking(call: Function<Continuation<T>, Any?>): T = runBlocking {
        suspendCoroutineUninterceptedOrReturn { continuation -> call.apply(continuation) }
    }
}
