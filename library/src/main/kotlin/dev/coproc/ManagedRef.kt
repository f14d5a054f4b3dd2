package dev.coproc

import dev.coproc.internal.manager.ManagerClient
import dev.coproc.internal.handles.HandleSerializer
import java.util.WeakHashMap
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.Transient
import kotlinx.serialization.cbor.ByteString
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.descriptors.StructureKind
import kotlinx.serialization.descriptors.elementDescriptors

/** What crosses in place of a proxy: the manager's address, its key, and the object's id there. */
@OptIn(ExperimentalSerializationApi::class)
@Serializable
internal class ManagedRef(val address: String, @ByteString val key: ByteArray, val objectId: Long) {
    /** This process's client of the manager, looked up once (the lookup hashes the key: it showed per call). */
    @Transient
    private val client: ManagerClient = ManagerClient.of(address, key)

    suspend fun call(method: String, vararg args: ByteArray): List<ByteArray> = publicFailures { client.call(objectId, method, args.asList()) }

    /**
     * A call that may wait in the manager: a cancelled caller cancels it there too, and if it had already
     * done its work, [undo] gives back what it took (a queue's item, a lock).
     */
    suspend fun waitingCall(method: String, vararg args: ByteArray, undo: (suspend (List<ByteArray>) -> Unit)? = null): List<ByteArray> =
        publicFailures { client.call(objectId, method, args.asList(), waits = true, undo = undo) }

    fun describe(kind: String): String = "$kind($objectId in the manager at $address)"

    internal companion object {
        /** A timeout as the manager takes it: milliseconds, rounded up; -1 for none; 0 for "do not wait". */
        fun millis(timeout: Duration): Long = when {
            timeout == Duration.INFINITE -> -1
            timeout <= Duration.ZERO -> 0
            else -> (timeout.inWholeNanoseconds + 999_999) / 1_000_000
        }

        /** [update]'s declared type name and bytes, for the manager to decode and run. */
        fun encodeUpdate(update: AtomicUpdate<*>): Array<ByteArray> {
            val (name, bytes) = AtomicUpdateCodec.encode(update)
            return arrayOf(name.encodeToByteArray(), bytes)
        }

        private val holders = WeakHashMap<Any, Long>()
        private val nextHolder = AtomicLong(1)

        /** The calling coroutine's (or thread's) number as an RLock holder, the same one for as long as it lives. */
        suspend fun holderId(): Long {
            val holder = RLock.currentHolder()
            return synchronized(holders) { holders.getOrPut(holder) { nextHolder.getAndIncrement() } }
        }
    }
}

/**
 * Encodes a proxy as its [ManagedRef]: every proxy type crosses to another process as the object's address.
 * The descriptor's name holds the type arguments ([typeArguments], e.g. `dev.coproc.ManagedQueue<kotlin.String>`),
 * which the wire does not carry: [Manager.lookup] compares it with the name recorded when the proxy was published.
 */
internal open class ManagedProxySerializer<P : Any>(
    name: String,
    typeArguments: List<KSerializer<*>>,
    private val make: (ManagedRef) -> P,
    private val refOf: (P) -> ManagedRef,
) : HandleSerializer<P, ManagedRef>(
    if (typeArguments.isEmpty()) name else typeArguments.joinToString(", ", "$name<", ">") { typeName(it.descriptor) },
    ManagedRef.serializer(),
) {
    override fun carry(handle: P): ManagedRef = refOf(handle)

    override fun rebuild(form: ManagedRef): P = make(form)
}

/**
 * The name of the type [descriptor] describes, with the element types of lists and maps, which their serial
 * names leave out (`kotlin.collections.ArrayList<kotlin.Int>`): what a published proxy and its lookup must agree on.
 */
internal fun typeName(descriptor: SerialDescriptor): String {
    if (descriptor.kind != StructureKind.LIST && descriptor.kind != StructureKind.MAP) return descriptor.serialName
    val name = descriptor.serialName.removeSuffix("?")
    val nullable = if (descriptor.isNullable) "?" else ""
    return descriptor.elementDescriptors.joinToString(", ", "$name<", ">$nullable") { typeName(it) }
}
