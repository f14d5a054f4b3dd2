package dev.coproc

import dev.coproc.internal.codec.EncodedTask
import dev.coproc.internal.codec.TaskTypes
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.codec.encoding
import java.util.concurrent.ConcurrentHashMap
import kotlinx.serialization.KSerializer

/**
 * How a [Task] travels: only a `@Serializable` class implementing [Task], or a record implementing
 * [BlockingTask], is encoded or decoded (see [TaskTypes]), and its result with the serializer of its `Task<R>`
 * (or `BlockingTask<R>`) type argument.
 */
internal object TaskCodec {
    private val resultSerializers = ConcurrentHashMap<Class<*>, KSerializer<Any?>>()

    /** Encodes [task] now, so that a task that cannot travel fails in the caller, with a [TaskEncodingException]. */
    fun encode(task: Task<*>): EncodedTask {
        val taskClass = BlockingTasks.typeOf(task)
        return publicFailures {
            encoding("task ${taskClass.name}") {
                val serializer = serializer(taskClass)
                val resultSerializer = resultSerializer(taskClass)
                EncodedTask(taskClass.name, WireCodec.encode(serializer, task), resultSerializer)
            }
        }
    }

    /** The serializer of [taskClass]; a `TaskTypeException` says why the class cannot be a task. */
    fun serializer(taskClass: Class<*>): KSerializer<Task<*>> =
        if (BlockingTask::class.java.isAssignableFrom(taskClass)) BlockingTasks.taskSerializer(taskClass)
        else TaskTypes.declaredSerializer(taskClass, Task::class.java)

    /** Resolves a task type named on the wire, refusing anything that is not a declared task. */
    fun resolve(typeName: String): KSerializer<Task<*>> = serializer(TaskTypes.load(typeName))

    /** The (nullable) serializer of [task]'s result. */
    fun resultSerializerOf(task: Task<*>): KSerializer<Any?> = resultSerializer(BlockingTasks.typeOf(task))

    /** The (nullable) serializer of the result of tasks of [taskClass], from its `Task<R>` type argument. */
    fun resultSerializer(taskClass: Class<*>): KSerializer<Any?> = resultSerializers[taskClass]
        ?: if (BlockingTask::class.java.isAssignableFrom(taskClass)) {
            TaskTypes.declaredArgumentSerializer(taskClass, BlockingTask::class.java, 0, "result")
        } else {
            TaskTypes.argumentSerializer(taskClass, Task::class.java, 0, "result")
        }.also { resultSerializers.putIfAbsent(taskClass, it) }
}
