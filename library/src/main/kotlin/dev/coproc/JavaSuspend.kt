package dev.coproc

import dev.coproc.internal.javaFuture
import java.util.concurrent.CompletableFuture
import java.util.function.Function
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlinx.coroutines.runBlocking

/**
 * Calls any of coproc's `suspend` functions from Java, such as a manager proxy's: Java sees a suspend function
 * as taking one more parameter, a `Continuation`, and this passes it.
 * ```java
 * Integer hits = JavaSuspend.blocking(c -> dict.get("hits", c));
 * CompletableFuture<Unit> done = JavaSuspend.async(c -> list.append("x", c));
 * ```
 * Functions with a `kotlin.time.Duration` parameter have mangled names in Java; the proxies offer
 * `java.time.Duration` forms of their timed waits instead (`getBlocking`, `acquireAsync`...).
 */
public object JavaSuspend {
    /** Runs the suspend call [call] makes, blocking this thread until it returns; its exception is thrown as is. */
    @JvmStatic
    public fun <T> blocking(call: Function<Continuation<T>, Any?>): T = runBlocking { suspended(call) }

    /** Starts the suspend call [call] makes; cancelling the future cancels the call. */
    @JvmStatic
    public fun <T> async(call: Function<Continuation<T>, Any?>): CompletableFuture<T> = javaFuture { suspended(call) }

    private suspend fun <T> suspended(call: Function<Continuation<T>, Any?>): T =
        suspendCoroutineUninterceptedOrReturn { continuation -> call.apply(continuation) }
}
