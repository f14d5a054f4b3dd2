package dev.coproc.codec

import dev.coproc.Task
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
 * Which classes may be decoded as tasks, and the serializer of each task's result.
 *
 * A worker decodes a task type only if it is a `@Serializable` class implementing [Task]; the class is looked
 * up without being initialized, checked, and only then decoded by its compiler-generated serializer, which
 * reads exactly the declared fields with their declared types. No other class is ever instantiated from wire
 * data. (The type name comes from the parent over a pipe only parent and worker hold: the parent also chose
 * the worker's classpath and JVM flags, so it is trusted to name a class; it is not trusted to make the worker
 * build anything but a declared task.)
 */
internal object TaskTypes {
    private val loader: ClassLoader = TaskTypes::class.java.classLoader

    /** The serializer of [taskClass], or a [TaskTypeException] saying why the class cannot be a task. */
    @Suppress("UNCHECKED_CAST")
    fun taskSerializer(taskClass: Class<*>): KSerializer<Task<*>> {
        if (!Task::class.java.isAssignableFrom(taskClass)) {
            throw TaskTypeException("${taskClass.name} does not implement dev.coproc.Task")
        }
        if (!taskClass.isAnnotationPresent(Serializable::class.java)) {
            throw TaskTypeException("${taskClass.name} is not @Serializable: annotate it so it can be sent to another process")
        }
        return try {
            serializer(taskClass) as KSerializer<Task<*>>
        } catch (e: Exception) {
            throw TaskTypeException("${taskClass.name} has no usable serializer: ${e.message}", e)
        }
    }

    /** Resolves a task type named on the wire, refusing anything that is not a declared task. */
    fun resolve(typeName: String): KSerializer<Task<*>> {
        val taskClass = try {
            Class.forName(typeName, false, loader)
        } catch (e: ClassNotFoundException) {
            throw TaskTypeException("task type $typeName is not on this process's classpath", e)
        }
        return taskSerializer(taskClass)
    }

    /** The (nullable) serializer of the result of tasks of [taskClass], from its `Task<R>` type argument. */
    @Suppress("UNCHECKED_CAST")
    fun resultSerializer(taskClass: Class<*>): KSerializer<Any?> {
        val type = resultType(taskClass)
            ?: throw TaskTypeException(
                "cannot tell the result type of ${taskClass.name}: implement Task<R> (or extend Process<R>) with a concrete R",
            )
        return try {
            (serializer(type) as KSerializer<Any>).nullable as KSerializer<Any?>
        } catch (e: Exception) {
            throw TaskTypeException("the result type $type of ${taskClass.name} is not serializable: ${e.message}", e)
        }
    }

    private fun resultType(taskClass: Class<*>): Type? = argumentOf(taskClass, emptyMap())?.takeIf { it.isConcrete() }

    /** Walks the generic supertypes of [type] to `Task<R>`, substituting type variables bound on the way. */
    private fun argumentOf(type: Type, bindings: Map<TypeVariable<*>, Type>): Type? {
        val raw = rawClass(type) ?: return null
        val bound: Map<TypeVariable<*>, Type> = if (type is ParameterizedType) {
            raw.typeParameters.zip(type.actualTypeArguments.map { substitute(it, bindings) }).toMap()
        } else {
            emptyMap()
        }
        if (raw == Task::class.java) return bound[raw.typeParameters[0]]
        val supertypes = raw.genericInterfaces.toList() + listOfNotNull(raw.genericSuperclass)
        for (supertype in supertypes) argumentOf(supertype, bound)?.let { return it }
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

/** A class that cannot serve as a task, or a task type name that names none. */
internal class TaskTypeException(message: String, cause: Throwable? = null) : Exception(message, cause)
