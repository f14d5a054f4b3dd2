package dev.coproc

import dev.coproc.internal.codec.TaskTypes
import dev.coproc.internal.codec.TravelsAs
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.runInterruptible
import kotlinx.serialization.KSerializer

/** A [BlockingTask] record run as a [Task]: [BlockingTask.call] on the task's thread, interrupted if it is cancelled. */
internal class BlockingTaskRun<R>(val body: BlockingTask<R>) : Task<R> {
    override suspend fun run(): R = runInterruptible { body.call() }

    override fun toString(): String = body.toString()
}

/** A [BlockingFunction] record run as a [TaskFunction]. */
internal class BlockingFunctionRun<T, R>(val body: BlockingFunction<T, R>) : TaskFunction<T, R> {
    override suspend fun run(item: T): R = runInterruptible { body.apply(item) }

    /** [chunk] in one interruptible stretch: setting up an interruptible call per item would cost more than the item. */
    @Suppress("UNCHECKED_CAST")
    suspend fun runAll(chunk: List<Any?>, results: Array<Any?>) = runInterruptible {
        val function = body as BlockingFunction<Any?, Any?>
        for (i in results.indices) results[i] = function.apply(chunk[i])
    }

    override fun toString(): String = body.toString()
}

/**
 * The Java records that implement [BlockingTask] or [BlockingFunction], as the Kotlin API's tasks and functions.
 * A record travels as itself: its class is the type named on the wire, and only a record implementing the
 * expected interface is decoded ([TaskTypes.declaredRecord]); the worker wraps it again.
 */
internal object BlockingTasks {
    private val taskSerializers = ConcurrentHashMap<Class<*>, KSerializer<Task<*>>>()
    private val functionSerializers = ConcurrentHashMap<Class<*>, KSerializer<Any>>()

    /** [body] as a [Task], for the Java API. */
    @JvmStatic
    fun <R> task(body: BlockingTask<R>): Task<R> = BlockingTaskRun(body)

    /** [body] as a [TaskFunction], for the Java API. */
    @JvmStatic
    fun <T, R> function(body: BlockingFunction<T, R>): TaskFunction<T, R> = BlockingFunctionRun(body)

    /** The class [value] (a task or a map function) travels as: the record's, for a blocking one. */
    fun typeOf(value: Any): Class<*> = when (value) {
        is BlockingTaskRun<*> -> value.body.javaClass
        is BlockingFunctionRun<*, *> -> value.body.javaClass
        else -> value.javaClass
    }

    /** A record's serializer, typed for its interface's type arguments as `Any?` (they are erased on the JVM anyway). */
    @Suppress("UNCHECKED_CAST")
    private fun <I> KSerializer<out Any?>.forAny(): KSerializer<I> = this as KSerializer<I>

    /** Encodes a [BlockingTaskRun] of record [type] as the record, and decodes the record into one. */
    fun taskSerializer(type: Class<*>): KSerializer<Task<*>> = taskSerializers[type]
        ?: TravelsAs<Task<*>, BlockingTask<Any?>>(TaskTypes.declaredRecord(type, BlockingTask::class.java).forAny(), { BlockingTaskRun(it) }) {
            @Suppress("UNCHECKED_CAST")
            (it as BlockingTaskRun<Any?>).body
        }.also { taskSerializers.putIfAbsent(type, it) }

    /** Encodes a [BlockingFunctionRun] of record [type] as the record, and decodes the record into one. */
    fun functionSerializer(type: Class<*>): KSerializer<Any> = functionSerializers[type]
        ?: TravelsAs<Any, BlockingFunction<Any?, Any?>>(TaskTypes.declaredRecord(type, BlockingFunction::class.java).forAny(), { BlockingFunctionRun(it) }) {
            @Suppress("UNCHECKED_CAST")
            (it as BlockingFunctionRun<Any?, Any?>).body
        }.also { functionSerializers.putIfAbsent(type, it) }
}
