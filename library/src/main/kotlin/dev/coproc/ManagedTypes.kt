package dev.coproc

import dev.coproc.internal.codec.InterfaceArguments
import dev.coproc.internal.handles.HandleSerializer
import kotlinx.serialization.KSerializer
import kotlinx.serialization.PolymorphicSerializer
import kotlinx.serialization.Serializable

/**
 * Makes an object of your own type for a [Manager] to keep: Python's `BaseManager.register(typeid,
 * callable)`. [T] is an interface whose functions are all `suspend` (each call crosses to the manager) and
 * whose parameters and results are serializable; the factory is a `@Serializable` class, decoded in the
 * manager only if it is a declared one, as tasks are:
 * ```
 * interface Counter { suspend fun add(n: Int): Int; suspend fun total(): Int }
 *
 * class CounterImpl(private var total: Int) : Counter {
 *     override suspend fun add(n: Int): Int { total += n; return total }
 *     override suspend fun total(): Int = total
 * }
 *
 * @Serializable class MakeCounter(val start: Int) : ManagedFactory<Counter> {
 *     override fun create(): Counter = CounterImpl(start)
 * }
 *
 * val counter: Managed<Counter> = manager.create(MakeCounter(0))
 * counter.proxy.add(5)
 * ```
 * The manager calls the object from one thread, one call at a time: it needs no locking of its own, and a
 * call that suspends (waits) lets the manager serve others meanwhile.
 */
public interface ManagedFactory<T : Any> {
    /** The object, made in the manager process. */
    public fun create(): T
}

/**
 * A handle on an object of a registered type kept by a [Manager]: [proxy] implements the type's interface,
 * each call running in the manager. The handle is serializable: pass it to `Process` children and pool tasks
 * as a `Managed<YourInterface>` field.
 */
@Serializable(with = ManagedSerializer::class)
@InterfaceArguments
public class Managed<T : Any> private constructor(@get:JvmSynthetic internal val ref: ManagedRef, @get:JvmSynthetic internal val type: Class<T>) {
    /** Implements [T]: each call is sent to the object in the manager; arguments and results are copies. */
    public val proxy: T by lazy { RemoteInterface.of(type).proxy(ref) }

    override fun toString(): String = ref.describe("Managed<${type.simpleName}>")

    internal companion object {
        /** The handle of the object [ref] of [type] (private constructor: Java sees no constructor of internal types). */
        @JvmSynthetic
        fun <T : Any> of(ref: ManagedRef, type: Class<T>): Managed<T> = Managed(ref, type)
    }
}

/**
 * Encodes a [Managed] as its object's address; the interface comes from the declared field's type argument
 * (`Managed<Counter>`), never from the wire.
 */
internal class ManagedSerializer<T : Any>(typeArgument: KSerializer<T>) :
    HandleSerializer<Managed<T>, ManagedRef>("dev.coproc.Managed<${interfaceOf(typeArgument).name}>", ManagedRef.serializer()) {
    // The interface in the name: a lookup of a published handle checks it (see ManagedProxySerializer).
    private val type: Class<T> = interfaceOf(typeArgument)

    override fun carry(handle: Managed<T>): ManagedRef = handle.ref

    override fun rebuild(form: ManagedRef): Managed<T> = Managed.of(form, type)
}

@Suppress("UNCHECKED_CAST")
private fun <T : Any> interfaceOf(typeArgument: KSerializer<T>): Class<T> = (typeArgument as? PolymorphicSerializer<T>)?.baseClass?.java
    ?: throw IllegalArgumentException("Managed<T> needs an interface for T, not ${typeArgument.descriptor.serialName}")
