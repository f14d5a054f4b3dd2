package dev.coproc.codec

import dev.coproc.TaskFunction
import dev.coproc.TaskFunction2
import java.util.concurrent.ConcurrentHashMap
import kotlinx.serialization.KSerializer
import kotlinx.serialization.builtins.PairSerializer

/**
 * How chunks of items travel for one task function class: the serializers of the function, of a list of its
 * items (pairs for a [TaskFunction2]) and of a list of its results, and how to call it on one item.
 */
internal class FunctionShape private constructor(
    val type: Class<*>,
    val functionSerializer: KSerializer<Any>,
    itemSerializer: KSerializer<Any?>,
    resultSerializer: KSerializer<Any?>,
    private val call: suspend (function: Any, item: Any?) -> Any?,
) {
    private val items = ChunkCodec.of(itemSerializer)
    private val results = ChunkCodec.of(resultSerializer)

    fun encodeItems(chunk: List<Any?>): ByteArray = items.encode(chunk)

    fun decodeItems(bytes: ByteArray): List<Any?> = items.decode(bytes)

    fun encodeResults(chunk: List<Any?>): ByteArray = results.encode(chunk)

    fun decodeResults(bytes: ByteArray): List<Any?> = results.decode(bytes)

    fun decodeResultsInto(bytes: ByteArray, into: MutableList<Any?>) = results.decodeInto(bytes, into)

    /** Applies [function] to each item in order, in the calling coroutine. */
    suspend fun apply(function: Any, chunk: List<Any?>): List<Any?> = chunk.map { call(function, it) }

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
            ) { function, item -> (function as TaskFunction<Any?, Any?>).run(item) }

            TaskFunction2::class.java.isAssignableFrom(type) -> FunctionShape(
                type,
                TaskTypes.declaredSerializer(type, TaskFunction2::class.java) as KSerializer<Any>,
                PairSerializer(
                    TaskTypes.argumentSerializer(type, TaskFunction2::class.java, 0, "first argument"),
                    TaskTypes.argumentSerializer(type, TaskFunction2::class.java, 1, "second argument"),
                ) as KSerializer<Any?>,
                TaskTypes.argumentSerializer(type, TaskFunction2::class.java, 2, "result"),
            ) { function, item ->
                val (first, second) = item as Pair<Any?, Any?>
                (function as TaskFunction2<Any?, Any?, Any?>).run(first, second)
            }

            else -> throw TaskTypeException("${type.name} implements neither TaskFunction nor TaskFunction2")
        }
    }
}
