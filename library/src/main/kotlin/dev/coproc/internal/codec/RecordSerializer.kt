package dev.coproc.internal.codec

import java.lang.reflect.Constructor
import java.lang.reflect.InaccessibleObjectException
import java.lang.reflect.RecordComponent
import java.util.concurrent.ConcurrentHashMap
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Method
import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerializationException
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.descriptors.buildClassSerialDescriptor
import kotlinx.serialization.encoding.CompositeDecoder
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder

/**
 * A Java record encoded without a compiler plugin: its components in declaration order, each with the
 * serializer of its declared type ([TypeSerializers]), and decoded through its canonical constructor, so the
 * record's own checks run. Nothing about the record is read from the wire but component values: the class
 * and the types of its components are the receiver's own.
 */
internal class RecordSerializer<T : Any> private constructor(
    private val type: Class<T>,
    private val components: Array<RecordComponent>,
    private val elements: Array<KSerializer<Any?>>,
) : KSerializer<T> {
    private val accessors: Array<Method> = Array(components.size) { components[it].accessor.also { m -> m.isAccessible = true } }
    private val constructor: Constructor<T> =
        type.getDeclaredConstructor(*Array(components.size) { components[it].type }).also { it.isAccessible = true }

    override val descriptor: SerialDescriptor = buildClassSerialDescriptor(type.name) {
        for (i in components.indices) element(components[i].name, elements[i].descriptor)
    }

    override fun serialize(encoder: Encoder, value: T) {
        val composite = encoder.beginStructure(descriptor)
        for (i in accessors.indices) {
            val component = try {
                accessors[i].invoke(value)
            } catch (e: InvocationTargetException) {
                throw SerializationException("${type.name}.${components[i].name}() threw ${e.cause}", e.cause)
            }
            composite.encodeSerializableElement(descriptor, i, elements[i], component)
        }
        composite.endStructure(descriptor)
    }

    override fun deserialize(decoder: Decoder): T {
        val values = arrayOfNulls<Any?>(components.size)
        val seen = BooleanArray(components.size)
        val composite = decoder.beginStructure(descriptor)
        while (true) {
            val index = composite.decodeElementIndex(descriptor)
            if (index == CompositeDecoder.DECODE_DONE) break
            if (index !in components.indices) throw SerializationException("${type.name} has no component number $index")
            values[index] = composite.decodeSerializableElement(descriptor, index, elements[index])
            seen[index] = true
        }
        composite.endStructure(descriptor)
        val missing = components.indices.filter { !seen[it] }
        if (missing.isNotEmpty()) {
            throw SerializationException("${type.name} arrived without ${missing.joinToString { components[it].name }}")
        }
        return try {
            constructor.newInstance(*values)
        } catch (e: InvocationTargetException) {
            // The record's own validation refused the values.
            throw SerializationException("${type.name} refused the values it arrived with: ${e.cause}", e.cause)
        }
    }

    override fun toString(): String = "RecordSerializer(${type.name})"

    companion object {
        private val made = ConcurrentHashMap<Class<*>, RecordSerializer<*>>()
        /** The records whose components are being resolved, under the lock on [made]: a cycle among them is refused. */
        private val resolving = LinkedHashSet<Class<*>>()

        /**
         * The serializer of record [type]; a [TaskTypeException] names the first component whose declared type
         * cannot travel, and why.
         */
        @Suppress("UNCHECKED_CAST")
        fun <T : Any> of(type: Class<T>): RecordSerializer<T> {
            made[type]?.let { return it as RecordSerializer<T> }
            if (!type.isRecord) throw TaskTypeException("${type.name} is not a record")
            return synchronized(made) { made[type] as RecordSerializer<T>? ?: build(type).also { made[type] = it } }
        }

        private fun <T : Any> build(type: Class<T>): RecordSerializer<T> {
            if (!resolving.add(type)) {
                val cycle = (resolving.dropWhile { it != type } + type).joinToString(" -> ") { it.simpleName }
                throw TaskTypeException("record ${type.name} contains itself ($cycle): a recursive record cannot travel")
            }
            try {
                val components = type.recordComponents
                val elements = Array(components.size) { i ->
                    TypeSerializers.of(components[i].genericType) { "component ${components[i].name} of ${type.name}" }
                }
                return RecordSerializer(type, components, elements)
            } catch (e: ReflectiveOperationException) {
                throw TaskTypeException("${type.name} cannot be built from its components: $e", e)
            } catch (e: SecurityException) {
                throw TaskTypeException("${type.name} cannot be built from its components: $e", e)
            } catch (e: InaccessibleObjectException) {
                // A module that does not open the record's package to coproc.
                throw TaskTypeException("${type.name} cannot be built from its components: $e", e)
            } finally {
                resolving.remove(type)
            }
        }
    }
}
