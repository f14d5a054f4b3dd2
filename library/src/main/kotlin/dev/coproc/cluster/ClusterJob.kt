package dev.coproc.cluster

import dev.coproc.internal.codec.FromWorker
import dev.coproc.internal.codec.RemoteError
import dev.coproc.internal.codec.ToWorker
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.wire.Handshake
import dev.coproc.worker.TaskBodies
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.runBlocking
import org.apache.ignite.Ignite
import org.apache.ignite.lang.IgniteCallable
import org.apache.ignite.resources.IgniteInstanceResource

/**
 * One pool message run on a cluster node: the bytes a local worker would read from its pipe, decoded and run
 * by the same [TaskBodies]. Ignite carries only this byte array (and, back, the node's name and the encoded
 * reply): user objects cross in coproc's codec, decoded against declared types; Ignite never deserializes one.
 */
internal class ClusterJob(
    private val message: ByteArray,
    /** The caller's protocol version: a node of another coproc version reads its messages differently. */
    private val protocol: Int = Handshake.PROTOCOL_VERSION,
) : IgniteCallable<ClusterReply> {
    @IgniteInstanceResource
    @Transient
    private var ignite: Ignite? = null

    // Ignite's compute threads call this and wait for it: running the task to completion here is the job.
    // An interrupt (the caller cancelled, or the node stops) cancels the task's coroutine.
    override fun call(): ClusterReply {
        check(protocol == Handshake.PROTOCOL_VERSION) {
            "${ignite?.name() ?: "a cluster node"} speaks coproc protocol ${Handshake.PROTOCOL_VERSION}, the caller $protocol: " +
                "every node must run the caller's coproc version"
        }
        val command = WireCodec.decodeToWorker(message)
        val id = when (command) {
            is ToWorker.Run -> command.id
            is ToWorker.Map -> command.id
            is ToWorker.RunTasks -> command.id
            else -> throw IllegalArgumentException("${command::class.simpleName} is not a task message")
        }
        val owned = mutableListOf<AutoCloseable>()
        val reply = try {
            val body = TaskBodies.decode(command, owned)
            FromWorker.Succeeded(id, runBlocking { body() })
        } catch (e: InterruptedException) {
            FromWorker.Cancelled(id)
        } catch (e: CancellationException) {
            FromWorker.Cancelled(id)
        } catch (e: Throwable) {
            FromWorker.Failed(id, RemoteError.of(e))
        } finally {
            for (resource in owned) runCatching { resource.close() }
        }
        return ClusterReply(ignite?.name() ?: "a cluster node", WireCodec.encode(reply))
    }
}

/** What a [ClusterJob] returns: the node that ran it and its encoded [FromWorker] reply. */
internal class ClusterReply(val node: String, val reply: ByteArray)
