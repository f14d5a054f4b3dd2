package dev.coproc

import dev.coproc.internal.codec.FunctionShape
import dev.coproc.internal.codec.TaskTypeException
import dev.coproc.internal.codec.TaskTypes
import java.util.concurrent.ConcurrentHashMap
import kotlinx.serialization.KSerializer
import kotlinx.serialization.builtins.PairSerializer

/**
 * The functions a map runs ([TaskFunction], [TaskFunction2]): the [FunctionShape] their chunks travel in, one
 * per class, and how a worker applies one to a chunk.
 */
internal object MapFunctions {
    private val shapes = ConcurrentHashMap<Class<*>, FunctionShape>()

    /**
     * The shape of [type], a `@Serializable` [TaskFunction] or [TaskFunction2] or a [BlockingFunction] record; a
     * [TaskTypeException] otherwise.
     */
    fun shapeOf(type: Class<*>): FunctionShape = shapes[type] ?: create(type).also { shapes.putIfAbsent(type, it) }

    /** Resolves a function type named on the wire. */
    fun resolve(typeName: String): FunctionShape = shapeOf(TaskTypes.load(typeName))

    /** Applies [function] to each item of [chunk] in order, in the calling coroutine. */
    suspend fun apply(function: Any, chunk: List<Any?>): List<Any?> {
        val results = arrayOfNulls<Any?>(chunk.size)
        // Direct calls: a suspend lambda per item would allocate a coroutine object per item.
        when (function) {
            // Before TaskFunction, which it is too: one interruptible stretch for the whole chunk.
            is BlockingFunctionRun<*, *> -> function.runAll(chunk, results)
            is TaskFunction<*, *> -> {
                @Suppress("UNCHECKED_CAST")
                val single = function as TaskFunction<Any?, Any?>
                for (i in results.indices) results[i] = single.run(chunk[i])
            }
            else -> {
                @Suppress("UNCHECKED_CAST")
                val double = function as TaskFunction2<Any?, Any?, Any?>
                for (i in results.indices) {
                    val (first, second) = chunk[i] as Pair<*, *>
                    results[i] = double.run(first, second)
                }
            }
        }
        return results.asList()
    }

    @Suppress("UNCHECKED_CAST")
    private fun create(type: Class<*>): FunctionShape = when {
        BlockingFunction::class.java.isAssignableFrom(type) -> FunctionShape(
            type,
            BlockingTasks.functionSerializer(type),
            TaskTypes.declaredArgumentSerializer(type, BlockingFunction::class.java, 0, "item"),
            TaskTypes.declaredArgumentSerializer(type, BlockingFunction::class.java, 1, "result"),
        )

        TaskFunction::class.java.isAssignableFrom(type) -> FunctionShape(
            type,
            TaskTypes.declaredSerializer(type, TaskFunction::class.java) as KSerializer<Any>,
            TaskTypes.argumentSerializer(type, TaskFunction::class.java, 0, "item"),
            TaskTypes.argumentSerializer(type, TaskFunction::class.java, 1, "result"),
        )

        TaskFunction2::class.java.isAssignableFrom(type) -> FunctionShape(
            type,
            TaskTypes.declaredSerializer(type, TaskFunction2::class.java) as KSerializer<Any>,
            PairSerializer(
                TaskTypes.argumentSerializer(type, TaskFunction2::class.java, 0, "first argument"),
                TaskTypes.argumentSerializer(type, TaskFunction2::class.java, 1, "second argument"),
            ) as KSerializer<Any?>,
            TaskTypes.argumentSerializer(type, TaskFunction2::class.java, 2, "result"),
        )

        else -> throw TaskTypeException("${type.name} implements none of TaskFunction, TaskFunction2 and BlockingFunction")
    }
}
