package dev.coproc.internal.codec

import java.lang.reflect.GenericArrayType
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Type
import java.lang.reflect.TypeVariable
import java.lang.reflect.WildcardType
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.builtins.nullable
import kotlinx.serialization.serializer

/**
 * Which classes may be decoded from wire data, and the serializers of their type arguments (a task's result,
 * a function's items).
 *
 * A type named on the wire is decoded only if it is a `@Serializable` class implementing the type the caller
 * expects (a task, a task function, an update: the public package names them); the class is looked up without
 * being initialized, checked, and only then decoded by its compiler-generated serializer, which reads exactly
 * the declared fields with their declared types. No other class is ever instantiated from wire data. (The type
 * name comes from the parent over a pipe only parent and worker hold: the parent also chose the worker's
 * classpath and JVM flags, so it is trusted to name a class; it is not trusted to make the worker build
 * anything but a declared type.)
 */
internal object TaskTypes {
    private val loader: ClassLoader = TaskTypes::class.java.classLoader

    /**
     * The serializer of [type], a `@Serializable` class implementing [expected] (a task, a task function...),
     * or a [TaskTypeException] saying why it cannot travel.
     */
    @Suppress("UNCHECKED_CAST")
    fun <T> declaredSerializer(type: Class<*>, expected: Class<T>): KSerializer<T> =
        declared[type to expected] as KSerializer<T>?
            ?: checkedSerializer(type, expected).also { declared.putIfAbsent(type to expected, it) }

    @Suppress("UNCHECKED_CAST")
    private fun <T> checkedSerializer(type: Class<*>, expected: Class<T>): KSerializer<T> {
        if (!expected.isAssignableFrom(type)) {
            throw TaskTypeException("${type.name} does not implement ${expected.name}")
        }
        if (!type.isAnnotationPresent(Serializable::class.java)) {
            throw TaskTypeException("${type.name} is not @Serializable: annotate it so it can be sent to another process")
        }
        return try {
            serializer(type) as KSerializer<T>
        } catch (e: Exception) {
            throw TaskTypeException("${type.name} has no usable serializer: ${e.message}", e)
        }
    }

    /**
     * The serializer of [type], a Java record implementing [expected] (a blocking task or function), or a
     * [TaskTypeException] saying why it cannot travel. Its components are encoded by their declared types.
     */
    @Suppress("UNCHECKED_CAST")
    fun <T> declaredRecord(type: Class<*>, expected: Class<T>): KSerializer<T> {
        if (!expected.isAssignableFrom(type)) throw TaskTypeException("${type.name} does not implement ${expected.name}")
        if (type.isSynthetic || type.isHidden) {
            throw TaskTypeException("${type.name} is a lambda: a ${expected.simpleName} travels as a record of its inputs, so write it as a record")
        }
        if (!type.isRecord) throw TaskTypeException("${type.name} is not a record: a ${expected.simpleName} travels as a record of its inputs")
        return RecordSerializer.of(type) as KSerializer<T>
    }

    /** Resolves a type named on the wire, refusing anything that is not a declared [expected]. */
    fun <T> resolve(typeName: String, expected: Class<T>): KSerializer<T> = declaredSerializer(load(typeName), expected)

    /** Loads a class named on the wire without initializing it: no static code runs before the checks. */
    fun load(typeName: String): Class<*> = try {
        Class.forName(typeName, false, loader)
    } catch (e: ClassNotFoundException) {
        throw TaskTypeException("type $typeName is not on this process's classpath", e)
    }

    private val declared = java.util.concurrent.ConcurrentHashMap<Pair<Class<*>, Class<*>>, KSerializer<*>>()

    /**
     * The (nullable) serializer of type argument [index] of [generic] as implemented by [type], e.g. the `R`
     * of `Task<R>` or the `T` of `TaskFunction<T, R>`.
     */
    @Suppress("UNCHECKED_CAST")
    fun argumentSerializer(type: Class<*>, generic: Class<*>, index: Int, role: String): KSerializer<Any?> {
        val argument = concreteArgument(type, generic, index, role)
        return try {
            serializer(argument).nullable
        } catch (e: Exception) {
            throw TaskTypeException("the $role type $argument of ${type.name} is not serializable: ${e.message}", e)
        }
    }

    /**
     * The serializer of type argument [index] of [generic] as a Java type declares it (a blocking task's result,
     * a blocking function's items): see [TypeSerializers].
     */
    fun declaredArgumentSerializer(type: Class<*>, generic: Class<*>, index: Int, role: String): KSerializer<Any?> =
        TypeSerializers.of(concreteArgument(type, generic, index, role)) { "the $role type of ${type.name}" }

    /** Type argument [index] of [generic] as [type] implements it, which must be concrete to be encoded. */
    private fun concreteArgument(type: Class<*>, generic: Class<*>, index: Int, role: String): Type =
        argumentOf(type, generic, index, emptyMap())?.takeIf { it.isConcrete() }
            ?: throw TaskTypeException(
                "cannot tell the $role type of ${type.name}: implement ${generic.simpleName} with concrete type arguments",
            )

    /** Type argument [index] of [generic] as implemented by [type] (the `T` of `ManagedFactory<T>`), if it can be told. */
    fun argumentType(type: Class<*>, generic: Class<*>, index: Int): Type? = argumentOf(type, generic, index, emptyMap())

    /** Walks the generic supertypes of [type] to [generic], substituting type variables bound on the way. */
    private fun argumentOf(type: Type, generic: Class<*>, index: Int, bindings: Map<TypeVariable<*>, Type>): Type? {
        val raw = rawClass(type) ?: return null
        val bound: Map<TypeVariable<*>, Type> = if (type is ParameterizedType) {
            raw.typeParameters.zip(type.actualTypeArguments.map { substitute(it, bindings) }).toMap()
        } else {
            emptyMap()
        }
        if (raw == generic) return bound[raw.typeParameters[index]]
        val supertypes = raw.genericInterfaces.toList() + listOfNotNull(raw.genericSuperclass)
        for (supertype in supertypes) argumentOf(supertype, generic, index, bound)?.let { return it }
        return null
    }

    private fun substitute(type: Type, bindings: Map<TypeVariable<*>, Type>): Type = when (type) {
        is TypeVariable<*> -> bindings[type] ?: type
        is WildcardType -> substitute(type.upperBounds.first(), bindings)
        is ParameterizedType -> ResolvedType(type.rawType, type.actualTypeArguments.map { substitute(it, bindings) }, type.ownerType)
        else -> type
    }

    private fun rawClass(type: Type): Class<*>? = when (type) {
        is Class<*> -> type
        is ParameterizedType -> type.rawType as? Class<*>
        else -> null
    }

    private fun Type.isConcrete(): Boolean = when (this) {
        is Class<*> -> true
        is ParameterizedType -> actualTypeArguments.all { it.isConcrete() }
        is GenericArrayType -> genericComponentType.isConcrete()
        else -> false
    }

    private class ResolvedType(private val raw: Type, private val arguments: List<Type>, private val owner: Type?) :
        ParameterizedType {
        override fun getRawType(): Type = raw
        override fun getActualTypeArguments(): Array<Type> = arguments.toTypedArray()
        override fun getOwnerType(): Type? = owner
        override fun toString(): String = raw.typeName + arguments.joinToString(", ", "<", ">") { it.typeName }
    }
}

/** A class that cannot travel as the declared type expected of it, or a type name that names none. */
internal class TaskTypeException(message: String, cause: Throwable? = null) : Exception(message, cause)
