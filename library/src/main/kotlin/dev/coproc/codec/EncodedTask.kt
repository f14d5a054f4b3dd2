package dev.coproc.codec

import dev.coproc.Task
import dev.coproc.TaskEncodingException
import kotlinx.serialization.KSerializer

/** A task encoded on the caller's side, with the serializer that will decode its result. */
internal class EncodedTask(val typeName: String, val bytes: ByteArray, val resultSerializer: KSerializer<Any?>) {
    /** The message that runs this task as task [id] of [processName]: the one place a [ToWorker.Run] is built. */
    fun runMessage(id: Long, processName: String, exitAfter: Boolean = false, keepHandles: Boolean = false): ToWorker.Run =
        ToWorker.Run(id, processName, typeName, bytes, exitAfter, keepHandles)

    companion object {
        /** Encodes [task] now, so that a task that cannot travel fails in the caller, before any process starts. */
        fun of(task: Task<*>): EncodedTask {
            val taskClass = task.javaClass
            try {
                val serializer = TaskTypes.taskSerializer(taskClass)
                val resultSerializer = TaskTypes.resultSerializer(taskClass)
                return EncodedTask(taskClass.name, WireCodec.encode(serializer, task), resultSerializer)
            } catch (e: TaskTypeException) {
                throw TaskEncodingException("cannot send task ${taskClass.name}: ${e.message}", e)
            } catch (e: kotlinx.serialization.SerializationException) {
                throw TaskEncodingException("cannot encode task ${taskClass.name}: ${e.message}", e)
            }
        }
    }
}
