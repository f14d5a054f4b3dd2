package dev.coproc.internal.codec

import java.lang.reflect.GenericArrayType
import java.lang.reflect.Modifier
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Type
import java.lang.reflect.TypeVariable
import java.lang.reflect.WildcardType
import java.util.Optional
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.KSerializer
import kotlinx.serialization.PolymorphicSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.builtins.ArraySerializer
import kotlinx.serialization.builtins.ListSerializer
import kotlinx.serialization.builtins.MapSerializer
import kotlinx.serialization.builtins.SetSerializer
import kotlinx.serialization.builtins.nullable
import kotlinx.serialization.builtins.serializer
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder
import kotlinx.serialization.modules.EmptySerializersModule
import kotlinx.serialization.serializer

/**
 * The serializer of a type as Java code declares it (a record's component, a Java task's result or item type),
 * built from the declaration alone: primitives and their boxes, `String`, arrays, enums, `List`/`Set`/`Map`,
 * `Optional`, records (see [RecordSerializer]), and `@Serializable` classes, which include every coproc handle.
 *
 * What the declaration does not pin down is refused here, before anything is sent: an interface or abstract
 * class that is not `@Serializable` (`Object`, `Runnable`, `Comparable<T>`...), a type variable, a raw
 * collection. Decoding such a field would mean picking a class by a name found in the data, which coproc never
 * does. Reference types are nullable (Java declares nothing about null), primitives are not.
 */
@OptIn(ExperimentalSerializationApi::class) // ArraySerializer, and serializer(KClass, type argument serializers)
internal object TypeSerializers {
    /** The serializer of [type]; a [TaskTypeException] names [where] (a component, a result type) and why. */
    fun of(type: Type, where: () -> String): KSerializer<Any?> = try {
        resolve(type, where)
    } catch (e: TaskTypeException) {
        throw e
    } catch (e: Exception) {
        // kotlinx-serialization's own refusal: a class that is neither @Serializable nor built in.
        throw TaskTypeException("${where()} is a ${type.typeName}, which cannot travel: ${e.message}", e)
    }

    /**
     * The serializer of the items of a queue, pipe or manager object made from Java with [type]: not nullable,
     * as the handle's type argument is read where it arrives (see [ofParameterized]), so both ends agree.
     */
    fun ofItems(type: Class<*>): KSerializer<Any> = try {
        bare(type) { "the item type ${type.name}" }
    } catch (e: TaskTypeException) {
        throw IllegalArgumentException(e.message, e)
    } catch (e: Exception) {
        throw IllegalArgumentException("the item type ${type.name} cannot travel: ${e.message}", e)
    }

    /** [type]'s serializer, nullable unless it is a primitive. */
    @Suppress("UNCHECKED_CAST")
    private fun resolve(type: Type, where: () -> String): KSerializer<Any?> =
        if (type is Class<*> && type.isPrimitive) bare(type, where) as KSerializer<Any?> else bare(type, where).nullable

    /** [type]'s serializer for values that are not null. */
    private fun bare(type: Type, where: () -> String): KSerializer<Any> = when (type) {
        is Class<*> -> ofClass(type, where)
        is ParameterizedType -> ofParameterized(type, where)
        is GenericArrayType -> arrayOf(rawClassOf(type.genericComponentType, where), type.genericComponentType, where)
        is WildcardType -> {
            // `List<? extends Shape>` holds Shapes: its upper bound says what to build. `? super X` says nothing.
            if (type.lowerBounds.isNotEmpty() || type.upperBounds.size != 1) refuse(where, "the wildcard ${type.typeName}")
            bare(type.upperBounds[0], where)
        }
        is TypeVariable<*> -> refuse(where, "the type variable ${type.name}: declare a concrete type")
        else -> refuse(where, "the type ${type.typeName}")
    }

    @Suppress("UNCHECKED_CAST")
    private fun ofClass(type: Class<*>, where: () -> String): KSerializer<Any> = when {
        type == Void.TYPE -> refuse(where, "void")
        // A task with nothing to return (BlockingTask<Void>): only null, which the nullable form carries.
        type == Void::class.java -> Unit.serializer() as KSerializer<Any>
        type.isRecord -> RecordSerializer.of(type) as KSerializer<Any>
        type.isArray && !type.componentType.isPrimitive -> arrayOf(type.componentType, type.componentType, where)
        type in GENERIC_CONTAINERS -> refuse(where, "a raw ${type.simpleName}: give its type arguments")
        // An enum whose constants have bodies is abstract, and still only its declared constants travel.
        type.isEnum -> serializer(type)
        !type.isArray && isOpen(type) && !type.isAnnotationPresent(Serializable::class.java) -> refuse(
            where,
            "${type.name}, an interface or abstract class: the receiver could only pick the class to build by a " +
                "name in the data, which coproc never does. Declare a record, an enum or a @Serializable class",
        )
        isJavaWithSerializer(type) -> annotatedSerializer(type, emptyList())
        // Primitives, boxes, String, primitive arrays, enums, @Serializable classes.
        else -> serializer(type)
    }

    @Suppress("UNCHECKED_CAST")
    private fun ofParameterized(type: ParameterizedType, where: () -> String): KSerializer<Any> {
        val raw = type.rawType as Class<*>
        val arguments = type.actualTypeArguments
        val serializer: KSerializer<*> = when (raw) {
            // Nullable already: a null Optional (which it should never be) arrives empty.
            Optional::class.java -> OptionalSerializer(resolve(arguments[0], where))
            List::class.java, Collection::class.java, Iterable::class.java, ArrayList::class.java -> ListSerializer(resolve(arguments[0], where))
            Set::class.java, HashSet::class.java, LinkedHashSet::class.java -> SetSerializer(resolve(arguments[0], where))
            Map::class.java, HashMap::class.java, LinkedHashMap::class.java -> MapSerializer(resolve(arguments[0], where), resolve(arguments[1], where))
            else -> {
                if (!raw.isAnnotationPresent(Serializable::class.java)) {
                    refuse(where, "${type.typeName}: a generic class travels only if it is a collection, Optional or @Serializable")
                }
                // A handle's items as the Kotlin API types them (`Queue<Integer>` is a `Queue<Int>`): both ends
                // of a queue or pipe must encode its items alike, and the one that made it did so without nulls.
                val items = if (raw.isAnnotationPresent(InterfaceArguments::class.java)) {
                    arguments.map { interfaceArgument(it, where) }
                } else {
                    arguments.map { bare(it, where) }
                }
                if (isJavaWithSerializer(raw)) annotatedSerializer(raw, items)
                else EmptySerializersModule().serializer(raw.kotlin, items, isNullable = false)
            }
        }
        return serializer as KSerializer<Any>
    }

    /** An interface named by a handle's type argument ([InterfaceArguments]): read for its class, never to decode data. */
    @Suppress("UNCHECKED_CAST")
    private fun interfaceArgument(type: Type, where: () -> String): KSerializer<Any> {
        if (type !is Class<*> || !type.isInterface) refuse(where, "${type.typeName}, where an interface is expected")
        return PolymorphicSerializer(type.kotlin as kotlin.reflect.KClass<Any>)
    }

    @Suppress("UNCHECKED_CAST")
    private fun arrayOf(component: Class<*>, componentType: Type, where: () -> String): KSerializer<Any> =
        ArraySerializer(component.kotlin as kotlin.reflect.KClass<Any>, resolve(componentType, where)) as KSerializer<Any>

    private fun rawClassOf(type: Type, where: () -> String): Class<*> = when (type) {
        is Class<*> -> type
        is ParameterizedType -> type.rawType as Class<*>
        is GenericArrayType -> java.lang.reflect.Array.newInstance(rawClassOf(type.genericComponentType, where), 0).javaClass
        else -> refuse(where, "an array of ${type.typeName}: declare a concrete element type")
    }

    /**
     * A Java class that names its serializer in `@Serializable(with = ...)` (the Java API's handle types):
     * kotlinx-serialization reads that annotation only through the code its compiler plugin generates, which a
     * Java class does not have.
     */
    private fun isJavaWithSerializer(type: Class<*>): Boolean =
        !type.isAnnotationPresent(Metadata::class.java) &&
            type.getAnnotation(Serializable::class.java)?.with?.let { it != KSerializer::class } == true

    /** The serializer [type]'s annotation names: an object, or a class built from the type arguments' serializers. */
    @Suppress("UNCHECKED_CAST")
    private fun annotatedSerializer(type: Class<*>, arguments: List<KSerializer<*>>): KSerializer<Any> {
        val with = type.getAnnotation(Serializable::class.java).with.java
        // A Kotlin object: its one instance, without kotlin-reflect.
        with.fields.firstOrNull { it.name == "INSTANCE" && Modifier.isStatic(it.modifiers) }?.let { return it.get(null) as KSerializer<Any> }
        val constructor = with.declaredConstructors.singleOrNull { it.parameterCount == arguments.size }
            ?: throw TaskTypeException("${with.name}, the serializer of ${type.name}, has no constructor for ${arguments.size} type arguments")
        constructor.isAccessible = true
        return constructor.newInstance(*arguments.toTypedArray()) as KSerializer<Any>
    }

    // A primitive class says it is abstract (and final).
    private fun isOpen(type: Class<*>): Boolean = !type.isPrimitive && (type.isInterface || Modifier.isAbstract(type.modifiers))

    private fun refuse(where: () -> String, what: String): Nothing = throw TaskTypeException("${where()} is $what")

    private val GENERIC_CONTAINERS = setOf(
        Optional::class.java, List::class.java, Collection::class.java, Iterable::class.java, ArrayList::class.java,
        Set::class.java, HashSet::class.java, LinkedHashSet::class.java, Map::class.java, HashMap::class.java,
        LinkedHashMap::class.java,
    )
}

/** An `Optional` as its value or null: an `Optional` cannot hold null, so empty is null (and so is a null `Optional`). */
private class OptionalSerializer(private val value: KSerializer<Any?>) : KSerializer<Optional<Any>?> {
    override val descriptor: SerialDescriptor = value.descriptor

    override fun serialize(encoder: Encoder, value: Optional<Any>?) = this.value.serialize(encoder, value?.orElse(null))

    override fun deserialize(decoder: Decoder): Optional<Any> = Optional.ofNullable(value.deserialize(decoder))
}
