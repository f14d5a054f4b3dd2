package dev.coproc.internal.handles

import dev.coproc.internal.os.FdSharer
import dev.coproc.internal.os.OsException
import dev.coproc.internal.os.SharedMemory
import dev.coproc.internal.shm.QueueRing
import dev.coproc.internal.shm.SharedSegment
import kotlinx.serialization.ExperimentalSerializationApi
import kotlinx.serialization.Serializable
import kotlinx.serialization.SerializationException
import kotlinx.serialization.cbor.ByteString

/**
 * The sharing side of a handle that crosses to other processes as a descriptor (a pipe end, a queue, shared
 * memory): one [FdSharer] ticket per handle, taken on its first hand-over and released when the handle closes.
 */
internal class HandOver {
    private var ticket: FdSharer.Ticket? = null

    /**
     * What a message carries for another process to get the descriptor; [duplicate] makes the copy that is
     * shared. Inside [Leases.encoding] it is a lease of that owner's; otherwise one more issued copy of the
     * ticket, kept until fetched.
     */
    @Synchronized
    fun grant(what: Any, duplicate: () -> Int): DescriptorGrant = try {
        val shared = ticket ?: FdSharer.get().share(duplicate()).also { ticket = it }
        val leases = Leases.current()
        val grant = if (leases != null) {
            shared.lease(leases.reusable).also { leases.add(it) }
        } else {
            shared.issue()
            shared
        }
        DescriptorGrant(grant.path(), grant.secret())
    } catch (e: OsException) {
        throw SerializationException("cannot hand over $what: ${e.message}", e)
    }

    /** The handle closed here: the shared copy goes once every issued ticket was fetched and every lease released. */
    @Synchronized
    fun release() {
        ticket?.release()
    }
}

/** What crosses to another process in place of a descriptor: the sharer's socket and the secret to present there. */
@OptIn(ExperimentalSerializationApi::class)
@Serializable
internal class DescriptorGrant(private val sharer: String, @ByteString private val secret: ByteArray) {
    /** The descriptor, fetched from the process that handed it over; owned by the caller. */
    fun fetch(what: String): Int = try {
        FdSharer.fetch(sharer, secret)
    } catch (e: OsException) {
        throw SerializationException("cannot open the $what handed over: ${e.message}", e)
    }

    /** Maps the queue ring behind this grant (a queue's, or a pipe end's: a [what]), checking that it is one. */
    fun openRing(what: String): QueueRing {
        val memory = try {
            SharedMemory.adopt(fetch(what))
        } catch (e: OsException) {
            throw SerializationException("cannot map the $what handed over: ${e.message}", e)
        }
        return try {
            QueueRing.open(memory)
        } catch (e: IllegalStateException) {
            memory.close()
            throw SerializationException("the $what handed over is not one: ${e.message}", e)
        }
    }

    /** Maps the shared segment behind this grant, checking that it holds a [kind] (a [what]). */
    fun openSegment(kind: Int, what: String): SharedSegment = try {
        SharedSegment.open(SharedMemory.adopt(fetch(what)), kind)
    } catch (e: IllegalStateException) {
        throw SerializationException("the $what handed over is not one: ${e.message}", e)
    } catch (e: OsException) {
        throw SerializationException("cannot map the $what handed over: ${e.message}", e)
    }
}
