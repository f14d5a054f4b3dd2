package dev.coproc

import dev.coproc.ManagedRef
import dev.coproc.internal.codec.TaskTypeException
import dev.coproc.internal.codec.TypeSerializers
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.interruptedAsCancellation
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Method
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Proxy
import java.lang.reflect.WildcardType
import java.util.concurrent.ConcurrentHashMap
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.KSerializer
import kotlinx.serialization.builtins.nullable
import kotlinx.serialization.builtins.serializer
import kotlinx.serialization.serializer

/**
 * The calls of a registered type's interface as they cross to a manager: each `suspend` function (Kotlin) or
 * plain method (a Java interface, whose caller blocks for the round trip), named
 * `name/arity` on the wire, its arguments and result encoded with the serializers of its declared types.
 * The client side is a dynamic proxy; the manager side invokes the same function on the object. Both decode
 * only what the interface declares, so a client's bytes never choose a class.
 */
internal class RemoteInterface<T : Any> private constructor(private val type: Class<T>) {
    /** One function of the interface; [blocking] for a Java interface's plain method (no continuation parameter). */
    private class Call(val method: Method, val parameters: List<KSerializer<Any?>>, val result: KSerializer<Any?>, val blocking: Boolean) {
        val wireName = "${method.name}/${parameters.size}"
    }

    private val calls: Map<String, Call>
    private val byMethod: Map<Method, Call>

    init {
        require(type.isInterface) { "${type.name} is not an interface: a managed type is used through an interface" }
        val made = type.methods.filter { !it.isDefault && !java.lang.reflect.Modifier.isStatic(it.modifiers) }.map(::describe)
        calls = made.groupBy { it.wireName }.mapValues { (name, same) ->
            require(same.size == 1) { "${type.name} declares ${same.size} functions $name: a managed type's functions must differ by name or number of parameters" }
            same.single()
        }
        byMethod = made.associateBy { it.method }
    }

    private fun describe(method: Method): Call {
        val generic = method.genericParameterTypes
        val continuation = generic.lastOrNull()
        if (continuation is ParameterizedType && continuation.rawType == Continuation::class.java) {
            // A suspend function's result type is the lower bound of its Continuation<? super R> parameter.
            val resultType = (continuation.actualTypeArguments[0] as? WildcardType)?.lowerBounds?.firstOrNull() ?: continuation.actualTypeArguments[0]
            return Call(method, generic.dropLast(1).map { serializerOf(it, method) }, serializerOf(resultType, method), blocking = false)
        }
        // A Java interface's method: it blocks its caller for the round trip, and runs in the manager as it is
        // (through reflection, which a package-private interface of the program's would refuse otherwise).
        method.isAccessible = true
        val result = if (method.returnType == Void.TYPE) VOID else javaSerializerOf(method.genericReturnType, method, "its result")
        val parameters = generic.mapIndexed { i, type -> javaSerializerOf(type, method, "parameter ${i + 1}") }
        return Call(method, parameters, result, blocking = true)
    }

    private fun serializerOf(type: java.lang.reflect.Type, method: Method): KSerializer<Any?> = try {
        serializer(type).nullable
    } catch (e: Exception) {
        throw IllegalArgumentException("${this.type.name}.${method.name}: $type is not serializable (${e.message})", e)
    }

    /** A Java method's declared types, resolved as a record's components are (records, boxes, collections...). */
    private fun javaSerializerOf(type: java.lang.reflect.Type, method: Method, what: String): KSerializer<Any?> = try {
        TypeSerializers.of(type) { "${this.type.name}.${method.name}: $what" }
    } catch (e: TaskTypeException) {
        throw IllegalArgumentException(e.message, e)
    }

    /** A proxy implementing [T] whose every call runs on the object [ref] in its manager. */
    fun proxy(ref: ManagedRef): T {
        val handler = java.lang.reflect.InvocationHandler { proxy, method, args ->
            when (method.name) {
                "toString" -> if (method.parameterCount == 0) return@InvocationHandler ref.describe("Managed<${type.simpleName}>")
                "hashCode" -> if (method.parameterCount == 0) return@InvocationHandler System.identityHashCode(proxy)
                "equals" -> if (method.parameterCount == 1) return@InvocationHandler proxy === args[0]
            }
            val call = byMethod[method] ?: throw UnsupportedOperationException("$method cannot be called on a managed proxy")
            val encoded = call.parameters.mapIndexed { i, parameter -> WireCodec.encode(parameter, args[i]) }
            val remote: suspend () -> Any? = { WireCodec.decode(call.result, ref.call(call.wireName, *encoded.toTypedArray()).single()) }
            if (call.blocking) return@InvocationHandler blockingRoundTrip(method, remote)
            @Suppress("UNCHECKED_CAST")
            val continuation = args.last() as Continuation<Any?>
            remote.startCoroutineUninterceptedOrReturn(continuation)
        }
        return type.cast(Proxy.newProxyInstance(type.classLoader, arrayOf(type), handler))
    }

    /** In the manager: runs the call [wireName] on [target] with the encoded [args]; its encoded result. */
    suspend fun invoke(target: Any, wireName: String, args: List<ByteArray>): ByteArray {
        val call = calls[wireName] ?: throw IllegalArgumentException("${type.name} has no function $wireName")
        require(args.size == call.parameters.size) { "$wireName takes ${call.parameters.size} arguments, not ${args.size}" }
        val decoded = call.parameters.mapIndexed { i, parameter -> WireCodec.decode(parameter, args[i]) }
        val result = try {
            if (call.blocking) {
                call.method.invoke(target, *decoded.toTypedArray())
            } else {
                suspendCoroutineUninterceptedOrReturn<Any?> { continuation -> call.method.invoke(target, *decoded.toTypedArray(), continuation) }
            }
        } catch (e: InvocationTargetException) {
            throw e.cause ?: e
        }
        return WireCodec.encode(call.result, result)
    }

    companion object {
        /** A `void` method's result: nothing, sent as null. */
        @Suppress("UNCHECKED_CAST")
        private val VOID = Unit.serializer().nullable as KSerializer<Any?>

        /**
         * A Java method's call, waiting on the caller's thread. An interrupt cancels it and throws
         * [InterruptedException] when the method declares it; otherwise it keeps the thread's flag and throws
         * [java.util.concurrent.CancellationException], as a proxy may not throw an undeclared checked exception.
         */
        private fun blockingRoundTrip(method: Method, remote: suspend () -> Any?): Any? = try {
            runBlocking { remote() }
        } catch (e: InterruptedException) {
            if (method.exceptionTypes.any { it.isAssignableFrom(InterruptedException::class.java) }) throw e
            interruptedAsCancellation("while calling ${method.name} in the manager", e)
        }

        private val known = ConcurrentHashMap<Class<*>, RemoteInterface<*>>()

        /** The calls of [type], checked once: an interface of suspend functions with serializable parameters and results. */
        @Suppress("UNCHECKED_CAST")
        fun <T : Any> of(type: Class<T>): RemoteInterface<T> = known.computeIfAbsent(type) { RemoteInterface(type) } as RemoteInterface<T>
    }
}
