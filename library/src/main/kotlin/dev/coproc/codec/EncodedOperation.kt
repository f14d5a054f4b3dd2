package dev.coproc.codec

import dev.coproc.DictOperation
import kotlinx.serialization.KSerializer

/** A [DictOperation] as it travels to a manager: its declared type's name and its encoded fields. */
internal object EncodedOperation {
    /** The type name and bytes of [operation]; a [TaskTypeException] if it is not a declared serializable operation. */
    fun of(operation: DictOperation<*>): Pair<String, ByteArray> {
        @Suppress("UNCHECKED_CAST")
        val serializer = TaskTypes.declaredSerializer(operation.javaClass, DictOperation::class.java) as KSerializer<DictOperation<*>>
        return operation.javaClass.name to WireCodec.encode(serializer, operation)
    }

    /**
     * In the manager: applies the operation named [typeName] to [current] (null: absent), returning the new
     * encoded value (null: remove). Only a declared `@Serializable` [DictOperation] is ever decoded; the values
     * are decoded with its type argument, as the clients encoded them.
     */
    @Suppress("UNCHECKED_CAST")
    fun apply(typeName: String, bytes: ByteArray, current: ByteArray?): ByteArray? {
        val type = TaskTypes.load(typeName)
        val operation = WireCodec.decode(TaskTypes.declaredSerializer(type, DictOperation::class.java), bytes) as DictOperation<Any?>
        val values = MessageCodec(TaskTypes.argumentSerializer(type, DictOperation::class.java, 0, "value"), nullableAsItsType = true)
        val result = operation.apply(current?.let(values::decode))
        return result?.let(values::encode)
    }
}
