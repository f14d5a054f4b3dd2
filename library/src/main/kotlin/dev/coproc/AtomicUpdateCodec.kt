package dev.coproc

import dev.coproc.internal.codec.MessageCodec
import dev.coproc.internal.codec.OperationRunner
import dev.coproc.internal.codec.TaskTypes
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.codec.encoding
import kotlinx.serialization.KSerializer

/**
 * How an [AtomicUpdate] travels to a manager (its declared type's name and its encoded fields), and how the
 * manager runs it: the [OperationRunner] its server is given.
 */
internal object AtomicUpdateCodec : OperationRunner {
    /** [update]'s type name and bytes; a [TaskEncodingException] if it is not a declared serializable update. */
    fun encode(update: AtomicUpdate<*>): Pair<String, ByteArray> {
        val serializer = publicFailures {
            encoding(update.javaClass.name) { TaskTypes.declaredSerializer(update.javaClass, AtomicUpdate::class.java) }
        }
        return update.javaClass.name to WireCodec.encode(serializer, update)
    }

    /**
     * In the manager: only a declared `@Serializable` [AtomicUpdate] is ever decoded; the values are decoded
     * with its type argument, as the clients encoded them.
     */
    @Suppress("UNCHECKED_CAST")
    override fun apply(typeName: String, bytes: ByteArray, current: ByteArray?): ByteArray? {
        val type = TaskTypes.load(typeName)
        val operation = WireCodec.decode(TaskTypes.declaredSerializer(type, AtomicUpdate::class.java), bytes) as AtomicUpdate<Any?>
        val values = MessageCodec(TaskTypes.argumentSerializer(type, AtomicUpdate::class.java, 0, "value"), nullableAsItsType = true)
        val result = operation.apply(current?.let(values::decode))
        return result?.let(values::encode)
    }
}
