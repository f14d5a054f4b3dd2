package dev.coproc.codec

import dev.coproc.AtomicUpdate
import kotlinx.serialization.KSerializer

/** A [AtomicUpdate] as it travels to a manager: its declared type's name and its encoded fields. */
internal object EncodedOperation {
    /** The type name and bytes of [operation]; a [TaskTypeException] if it is not a declared serializable operation. */
    fun of(operation: AtomicUpdate<*>): Pair<String, ByteArray> {
        @Suppress("UNCHECKED_CAST")
        val serializer = TaskTypes.declaredSerializer(operation.javaClass, AtomicUpdate::class.java) as KSerializer<AtomicUpdate<*>>
        return operation.javaClass.name to WireCodec.encode(serializer, operation)
    }

    /**
     * In the manager: applies the operation named [typeName] to [current] (null: absent), returning the new
     * encoded value (null: remove). Only a declared `@Serializable` [AtomicUpdate] is ever decoded; the values
     * are decoded with its type argument, as the clients encoded them.
     */
    @Suppress("UNCHECKED_CAST")
    fun apply(typeName: String, bytes: ByteArray, current: ByteArray?): ByteArray? {
        val type = TaskTypes.load(typeName)
        val operation = WireCodec.decode(TaskTypes.declaredSerializer(type, AtomicUpdate::class.java), bytes) as AtomicUpdate<Any?>
        val values = MessageCodec(TaskTypes.argumentSerializer(type, AtomicUpdate::class.java, 0, "value"), nullableAsItsType = true)
        val result = operation.apply(current?.let(values::decode))
        return result?.let(values::encode)
    }
}
