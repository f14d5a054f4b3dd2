package dev.coproc

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.funSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.Serializable

/**
 * What every [Pool] promises, whatever runs its tasks: one suite, included by each engine's spec with a way
 * to open a pool of that engine ([withPool] runs its block on a fresh pool, with that per-task timeout).
 */
fun poolContract(engine: String, withPool: suspend (taskTimeout: Duration?, block: suspend (Pool) -> Unit) -> Unit) = funSpec {
    test("$engine: apply returns the task's result, applyAsync runs tasks side by side") {
        withPool(null) { pool ->
            pool.apply(Square(12)) shouldBe 144
            (1..6).map { pool.applyAsync(Square(it)) }.map { it.await() } shouldBe listOf(1, 4, 9, 16, 25, 36)
        }
    }

    test("$engine: map, starmap and map over tasks keep the input's order across chunks") {
        withPool(null) { pool ->
            pool.map(1..100, SquareFn, chunkSize = 7) shouldBe (1..100).map { it * it }
            pool.starmap((1..20).map { it to 2 * it }, Add) shouldBe (1..20).map { 3 * it }
            pool.map((1..30).map { Square(it) }, chunkSize = 4) shouldBe (1..30).map { it * it }
        }
    }

    test("$engine: a map's progress reports completed and total up to the end") {
        val seen = mutableListOf<Progress>()
        withPool(null) { pool -> pool.map(1..100, SquareFn, chunkSize = 10) { synchronized(seen) { seen += it } } }
        synchronized(seen) {
            seen.first().completed shouldBe 0
            seen.maxOf { it.completed } shouldBe 100
            seen.all { it.total == 100 } shouldBe true
        }
    }

    test("$engine: imap streams results in order; imapUnordered yields each once") {
        withPool(null) { pool ->
            pool.imap(1..50, SquareFn, chunkSize = 3).toList() shouldBe (1..50).map { it * it }
            pool.imapUnordered(1..50, SquareFn, chunkSize = 3).toList() shouldContainExactlyInAnyOrder (1..50).map { it * it }
        }
    }

    test("$engine: a task that throws fails with RemoteTaskException naming the remote class and message") {
        withPool(null) { pool ->
            val failure = shouldThrow<RemoteTaskException> { pool.apply(Fail("boom at the far end")) }
            failure.remoteMessage shouldBe "boom at the far end"
            failure.remoteClassName shouldContain "IllegalStateException"
            pool.map(listOf(1, 2, 3), SquareFn) shouldBe listOf(1, 4, 9) // the pool goes on
        }
    }

    test("$engine: a task over its timeout fails with TaskTimeoutException; the pool goes on") {
        // Generous: on the local engine, the replacement of the killed worker starts its JVM within the timeout.
        withPool(3.seconds) { pool ->
            val failure = shouldThrow<TaskTimeoutException> { pool.apply(Sleep(60_000)) }
            failure.timeout shouldBe 3.seconds
            pool.apply(Square(3)) shouldBe 9
        }
    }

    test("$engine: cancelling the caller cancels its task where it runs") {
        Event().use { started ->
            Event().use { cancelled ->
                withPool(null) { pool ->
                    val caller = launch { pool.apply(WaitUntilCancelled(started, cancelled)) }
                    withTimeout(60.seconds) { started.wait() }
                    caller.cancel()
                    // The task's own finally block says it was cancelled, in the process or node that ran it.
                    withTimeout(60.seconds) { cancelled.wait() }
                    pool.apply(Square(4)) shouldBe 16
                }
            }
        }
    }

    test("$engine: a closed pool refuses new tasks with PoolClosedException") {
        withPool(null) { pool ->
            pool.close()
            shouldThrow<PoolClosedException> { pool.apply(Square(1)) }
        }
    }
}

/** Says it started, then waits until cancelled and says so (from its `finally`). */
@Serializable
class WaitUntilCancelled(val started: Event, val cancelled: Event) : Task<Unit> {
    override suspend fun run() {
        try {
            started.set()
            awaitCancellation()
        } finally {
            cancelled.set()
        }
    }
}
