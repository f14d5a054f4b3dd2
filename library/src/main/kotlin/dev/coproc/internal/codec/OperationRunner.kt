package dev.coproc.internal.codec

/**
 * How a manager runs an update a client sent on a value it keeps encoded. The public package implements it
 * (only it knows the update types) and hands it to the manager's server.
 */
internal fun interface OperationRunner {
    /**
     * Applies the update named [typeName], encoded as [bytes], to [current] (null: absent), returning the new
     * encoded value (null: remove). A [TaskTypeException] when the name is not a declared update type.
     */
    fun apply(typeName: String, bytes: ByteArray, current: ByteArray?): ByteArray?
}
