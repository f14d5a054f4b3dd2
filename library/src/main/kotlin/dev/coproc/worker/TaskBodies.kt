package dev.coproc.worker

import dev.coproc.MapFunctions
import dev.coproc.TaskCodec
import dev.coproc.internal.codec.TaskTypes
import dev.coproc.internal.codec.ToWorker
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.handles.DecodedHandles
import kotlinx.serialization.builtins.ListSerializer

/**
 * What a task message asks for, decoded and run: the same code for a worker JVM of this machine and for a
 * cluster node (see `dev.coproc.cluster`), so a task means the same wherever it runs. Handles opened while
 * decoding go into `owned`, for the caller to close when the task ends.
 */
internal object TaskBodies {
    /**
     * Decodes [command] (a run, a map chunk or a chunk of tasks) and returns the work, not yet run; decoding
     * first lets a caller say "started" between the two. A run's [ToWorker.Run.keepHandles] keeps its
     * handles out of [owned]: an initializer's handles are for the tasks after it.
     */
    fun decode(command: ToWorker, owned: MutableList<AutoCloseable>): suspend () -> ByteArray = when (command) {
        is ToWorker.Run -> {
            val task = DecodedHandles.collecting(if (command.keepHandles) mutableListOf() else owned) {
                WireCodec.decode(TaskCodec.resolve(command.taskType), command.task)
            }
            val resultSerializer = TaskCodec.resultSerializerOf(task);
            { WireCodec.encode(resultSerializer, task.run()) }
        }
        is ToWorker.Map -> {
            val shape = MapFunctions.resolve(command.functionType)
            val function = DecodedHandles.collecting(owned) { WireCodec.decode(shape.functionSerializer, command.function) }
            val items = DecodedHandles.collecting(owned) { shape.decodeItems(command.items) };
            { shape.encodeResults(MapFunctions.apply(function, items)) }
        }
        is ToWorker.RunTasks -> {
            val taskSerializer = TaskCodec.resolve(command.taskType)
            val tasks = DecodedHandles.collecting(owned) { WireCodec.decode(ListSerializer(taskSerializer), command.tasks) }
            val resultSerializer = TaskCodec.resultSerializer(TaskTypes.load(command.taskType));
            { WireCodec.encode(ListSerializer(resultSerializer), tasks.map { it.run() }) }
        }
        else -> throw IllegalArgumentException("${command::class.simpleName} is not a task message")
    }
}
