package dev.coproc.codec

import dev.coproc.TaskFunction
import dev.coproc.TaskFunction2
import java.util.concurrent.ConcurrentHashMap
import kotlinx.serialization.KSerializer
import kotlinx.serialization.builtins.PairSerializer

/**
 * How chunks of items travel for one task function class: the serializers of the function, of a list of its
 * items (pairs for a [TaskFunction2]) and of a list of its results.
 */
internal class FunctionShape private constructor(
    val type: Class<*>,
    val functionSerializer: KSerializer<Any>,
    itemSerializer: KSerializer<Any?>,
    resultSerializer: KSerializer<Any?>,
) {
    private val items = ChunkCodec.of(itemSerializer)
    private val results = ChunkCodec.of(resultSerializer)

    fun encodeItems(chunk: List<Any?>): ByteArray = items.encode(chunk)

    fun decodeItems(bytes: ByteArray): List<Any?> = items.decode(bytes)

    fun encodeResults(chunk: List<Any?>): ByteArray = results.encode(chunk)

    fun decodeResults(bytes: ByteArray): List<Any?> = results.decode(bytes)

    /** Applies [function] to each item in order, in the calling coroutine. */
    suspend fun apply(function: Any, chunk: List<Any?>): List<Any?> {
        val results = arrayOfNulls<Any?>(chunk.size)
        // Direct calls: a suspend lambda per item would allocate a coroutine object per item.
        when (function) {
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

    companion object {
        private val shapes = ConcurrentHashMap<Class<*>, FunctionShape>()

        /** The shape of [type], a `@Serializable` [TaskFunction] or [TaskFunction2]; [TaskTypeException] otherwise. */
        fun of(type: Class<*>): FunctionShape = shapes[type] ?: create(type).also { shapes.putIfAbsent(type, it) }

        /** Resolves a function type named on the wire. */
        fun resolve(typeName: String): FunctionShape = of(TaskTypes.load(typeName))

        @Suppress("UNCHECKED_CAST")
        private fun create(type: Class<*>): FunctionShape = when {
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

            else -> throw TaskTypeException("${type.name} implements neither TaskFunction nor TaskFunction2")
        }
    }
}
