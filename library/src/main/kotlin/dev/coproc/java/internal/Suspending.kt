package dev.coproc.java.internal

import dev.coproc.JavaSuspend
import java.util.function.Function
import kotlin.coroutines.Continuation

/**
 * How the Java facades call coproc's `suspend` functions and wait: [JavaSuspend.blocking], declared to throw
 * [InterruptedException] (which `runBlocking` throws when the waiting thread is interrupted, after cancelling
 * the call), so that the facades' Java code can declare and catch it.
 */
internal object Suspending {
    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T> blocking(call: Function<Continuation<T>, Any?>): T = JavaSuspend.blocking(call)
}
