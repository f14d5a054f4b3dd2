package dev.coproc.internal

import dev.coproc.os.FdSharer
import dev.coproc.os.OsException
import kotlinx.serialization.SerializationException

/**
 * The sharing side of a handle that crosses to other processes as a descriptor (a pipe end, a queue): one
 * [FdSharer] ticket per handle, taken on its first hand-over and released when the handle closes.
 */
internal class HandOver {
    private var ticket: FdSharer.Ticket? = null

    /** The ticket another process presents to get the descriptor; [duplicate] makes the copy that is shared. */
    @Synchronized
    fun ticket(what: Any, duplicate: () -> Int): FdSharer.Ticket {
        val shared = try {
            ticket ?: FdSharer.get().share(duplicate()).also { ticket = it }
        } catch (e: OsException) {
            throw SerializationException("cannot hand over $what: ${e.message}", e)
        }
        shared.issue()
        return shared
    }

    /** The handle closed here: the shared copy goes once every issued ticket was fetched. */
    @Synchronized
    fun release() {
        ticket?.release()
    }

    companion object {
        /** The descriptor behind a ticket, fetched from the process that handed it over; owned by the caller. */
        fun fetch(sharer: String, secret: ByteArray, what: String): Int = try {
            FdSharer.fetch(sharer, secret)
        } catch (e: OsException) {
            throw SerializationException("cannot open the $what handed over: ${e.message}", e)
        }
    }
}
