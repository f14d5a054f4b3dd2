package dev.coproc.java.internal

import dev.coproc.Pool
import dev.coproc.Progress
import dev.coproc.Task
import dev.coproc.TaskFunction

import java.util.function.Consumer
import kotlin.time.toKotlinDuration
import kotlinx.coroutines.runBlocking

/**
 * The Java API's blocking pool calls. They run on the caller's thread, as a suspending call runs on its
 * coroutine's: the task goes out from this thread and the answer wakes it, with no hand-off to another thread
 * on the way (a future completed elsewhere would add one). An interrupt of the waiting thread cancels the
 * call (the task in its worker too) and throws [InterruptedException].
 */
internal object PoolCalls {
    @JvmStatic
    @Throws(InterruptedException::class)
    fun <R> apply(pool: Pool, task: Task<R>, timeout: java.time.Duration?): R =
        runBlocking { pool.apply(task, timeout?.toKotlinDuration()) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <T, R> map(pool: Pool, items: Iterable<T>, function: TaskFunction<T, R>, chunkSize: Int, onProgress: Consumer<Progress>?): List<R> =
        runBlocking { pool.map(items, function, chunkSize, onProgress?.let { consumer -> { progress -> consumer.accept(progress) } }) }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun join(pool: Pool) = runBlocking { pool.join() }

    @JvmStatic
    @Throws(InterruptedException::class)
    fun <R> mapTasks(pool: Pool, tasks: Iterable<Task<R>>, chunkSize: Int): List<R> = runBlocking { pool.map(tasks, chunkSize) }
}
