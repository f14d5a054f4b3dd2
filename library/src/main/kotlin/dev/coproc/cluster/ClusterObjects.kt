package dev.coproc.cluster

import dev.coproc.ClusterUnavailableException
import dev.coproc.internal.handles.RemoteHandle
import dev.coproc.internal.handles.RemoteObjects
import dev.coproc.internal.handles.RemoteResolver
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerializationException
import org.apache.ignite.Ignite
import org.apache.ignite.configuration.CollectionConfiguration

/**
 * Makes a node's shared objects by name, or finds them (`create` false: a handle decoded here names one that
 * some node made). Each kind's Ignite structures carry a prefix of their own, so a lock and a semaphore of the
 * same name never meet.
 */
internal class ClusterObjects(private val ignite: Ignite) {
    /** The cluster's id: handles of its shared objects name it, and resolve through any of its nodes. */
    val clusterId: String get() = ignite.cluster().id().toString()

    fun counter(name: String, initial: Long, create: Boolean): ClusterCounter =
        ClusterCounter(call("counter", name) { ignite.atomicLong(COUNTER + name, initial, create) }, handle("counter", name))

    fun lock(name: String, create: Boolean): ClusterLock = ClusterLock(
        call("lock", name) { ignite.semaphore(LOCK + name, 1, true, create) },
        call("lock", name) { ignite.atomicReference<String>(LOCK_HOLDER + name, null, create) },
        "${ignite.cluster().localNode().id()} (pid ${ProcessHandle.current().pid()})",
        handle("lock", name),
    )

    fun semaphore(name: String, permits: Int, create: Boolean): ClusterSemaphore =
        ClusterSemaphore(call("semaphore", name) { ignite.semaphore(SEMAPHORE + name, permits, true, create) }, handle("semaphore", name))

    /** A queue of at most [limit] items (0: no limit); one backup copy. */
    fun <T> queue(name: String, serializer: KSerializer<T>, limit: Int, create: Boolean): ClusterQueue<T> {
        val configuration = if (create) CollectionConfiguration().setBackups(1) else null
        return ClusterQueue(call("queue", name) { ignite.queue<ByteArray>(QUEUE + name, limit, configuration) }, serializer, handle("queue", name))
    }

    fun event(name: String, create: Boolean): ClusterEvent = ClusterEvent(
        call("event", name) { ignite.atomicLong(EVENT + name, 0, create) },
        { generation, make -> ignite.countDownLatch("$EVENT$name#$generation", 1, false, make) },
        handle("event", name),
    )

    /** A barrier for [parties], or for the parties it was made with when it exists already. */
    fun barrier(name: String, parties: Int, create: Boolean): ClusterBarrier = ClusterBarrier(
        call("barrier", name) { ignite.atomicLong("$BARRIER$name.round", 0, create) },
        call("barrier", name) { ignite.atomicLong("$BARRIER$name.flags", 0, create) },
        call("barrier", name) { ignite.atomicLong("$BARRIER$name.parties", parties.toLong(), create) },
        { generation, make -> ignite.countDownLatch("$BARRIER$name#$generation", 1, false, make) },
        handle("barrier", name),
    )

    /** The object a handle names, made by any node of this cluster. */
    fun resolve(handle: RemoteHandle, itemSerializer: KSerializer<*>?): Any = when (handle.kind) {
        "counter" -> counter(handle.name, 0, create = false)
        "lock" -> lock(handle.name, create = false)
        "semaphore" -> semaphore(handle.name, 0, create = false)
        "queue" -> queue(handle.name, requireNotNull(itemSerializer) { "a queue handle needs its item serializer" }, 0, create = false)
        "event" -> event(handle.name, create = false)
        "barrier" -> barrier(handle.name, 0, create = false)
        else -> throw SerializationException("a cluster object of unknown kind \"${handle.kind}\"")
    }

    private fun handle(kind: String, name: String) = RemoteHandle(clusterId, kind, name)

    /** Makes or finds one Ignite structure; null from Ignite means it was never made, or was removed. */
    private inline fun <T : Any> call(kind: String, name: String, find: () -> T?): T =
        clusterCall("make or find $kind \"$name\"", find) ?: throw ClusterUnavailableException("the cluster has no $kind \"$name\": it was removed")

    private companion object {
        const val COUNTER = "coproc.counter."
        const val LOCK = "coproc.lock."
        const val LOCK_HOLDER = "coproc.lock-holder."
        const val SEMAPHORE = "coproc.semaphore."
        const val QUEUE = "coproc.queue."
        const val EVENT = "coproc.event."
        const val BARRIER = "coproc.barrier."
    }
}

/**
 * The cluster objects' handles in this JVM: an object's handle when it crosses, and the object back through a
 * node of its cluster running here. Installed as core's [RemoteObjects.resolver] when the first node starts.
 */
internal object ClusterHandles : RemoteResolver {
    private val running = CopyOnWriteArrayList<ClusterNode>()

    fun started(node: ClusterNode) {
        RemoteObjects.resolver = this
        running += node
    }

    fun stopped(node: ClusterNode) {
        running -= node
    }

    override fun handleOf(value: Any): RemoteHandle? = when (value) {
        is ClusterCounter -> value.handle
        is ClusterLock -> value.handle
        is ClusterSemaphore -> value.handle
        is ClusterQueue<*> -> value.handle
        is ClusterEvent -> value.handle
        is ClusterBarrier -> value.handle
        else -> null
    }

    override fun resolve(handle: RemoteHandle, itemSerializer: KSerializer<*>?): Any {
        val node = running.firstOrNull { runCatching { it.objects.clusterId == handle.cluster }.getOrDefault(false) }
            ?: throw ClusterUnavailableException(
                "a ${handle.kind} of cluster ${handle.cluster} (\"${handle.name}\") reached a process that runs no node of that cluster",
            )
        return node.objects.resolve(handle, itemSerializer)
    }
}
