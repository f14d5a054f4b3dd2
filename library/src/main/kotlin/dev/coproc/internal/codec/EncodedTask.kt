package dev.coproc.internal.codec

import kotlinx.serialization.KSerializer

/**
 * A task encoded on the caller's side, with the serializer that will decode its result. The public package
 * encodes it (it knows the task types), before any process starts, so a task that cannot travel fails there.
 */
internal class EncodedTask(val typeName: String, val bytes: ByteArray, val resultSerializer: KSerializer<Any?>) {
    /** The message that runs this task as task [id] of [processName]: the one place a [ToWorker.Run] is built. */
    fun runMessage(id: Long, processName: String, exitAfter: Boolean = false, keepHandles: Boolean = false): ToWorker.Run =
        ToWorker.Run(id, processName, typeName, bytes, exitAfter, keepHandles)
}
