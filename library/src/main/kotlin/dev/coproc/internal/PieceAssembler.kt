package dev.coproc.internal

import dev.coproc.internal.shm.ProcessIdentity
import dev.coproc.internal.shm.QueueRing
import dev.coproc.internal.wire.FrameException

/**
 * Puts back together the long messages a pipe end receives in pieces ([QueueRing.putPiece]): each in an array
 * of its own, or straight in the buffer of the receive under way ([lend]). Pieces of messages from several
 * senders may interleave; each message is handed over when its last piece came. One whose sender died partway
 * is let go whole, and its pieces still in the ring are skipped.
 *
 * Used by one receiver at a time ([PipeRings], under the connection's receive lock); [sink] runs under the
 * ring's consumer lock.
 */
internal class PieceAssembler {
    /** Messages under way, by id, in the order they began (rarely more than one: one per sender). */
    private val assemblies = LinkedHashMap<Long, Assembly>()
    /** The message the last piece taken completed; null if it did not complete one. */
    private var completed: Assembly? = null
    /** A completed message longer than the receive that completed it accepted: it stays first, as in the ring. */
    private var refused: Assembly? = null
    /** Ids of messages let go because their senders died: their pieces still in the ring are skipped. */
    private val dropped = LinkedHashSet<Long>()
    private var prunedAt = System.nanoTime()
    /** The buffer of the receive under way, when its caller gave one: a message beginning now is put together there. */
    private var into: ByteArray? = null
    private var intoOffset = 0

    /** How long the message last returned as [LANDED] is. */
    var landedLength = 0
        private set

    /** Where the ring hands the pieces it takes. */
    val sink = QueueRing.PieceSink { message, sender, total, at, length, ring -> take(message, sender, total, at, length, ring) }

    /**
     * A long message being put together: [have] of its [total] bytes, in [array] from [base]. [borrowed]: the
     * array is the caller's buffer, only for the length of its call.
     */
    private class Assembly(val message: Long, val sender: Long, val total: Int, var array: ByteArray, var base: Int, var borrowed: Boolean) {
        var have = 0
    }

    /** For the receive that begins: a message that begins during it may be put together in [buffer] from [offset]. */
    fun lend(buffer: ByteArray?, offset: Int) {
        into = buffer
        intoOffset = offset
    }

    /** At the end of a receive that lent its buffer: messages put together in it move to arrays of their own. */
    fun release() {
        into = null
        for (assembly in assemblies.values) {
            if (!assembly.borrowed) continue
            val own = ByteArray(minOf(assembly.total, maxOf(assembly.have, 2 * PipeRings.PIECE_BYTES)))
            assembly.array.copyInto(own, 0, assembly.base, assembly.base + assembly.have)
            assembly.array = own
            assembly.base = 0
            assembly.borrowed = false
        }
    }

    /** The message an earlier receive refused as too long, if this one takes it (else still refused); null if none. */
    fun takeRefused(maxLength: Int): ByteArray? {
        val done = refused ?: return null
        if (done.total > maxLength) throw FrameException.oversized("the other end sent a message", done.total, maxLength)
        refused = null
        return done.array
    }

    /**
     * After the ring handed a piece to [sink]: the message it completed, [LANDED] if in the lent buffer, null if it
     * completed none. One longer than [maxLength] (begun under a larger limit) is kept, first, and refused.
     */
    fun takeCompleted(maxLength: Int): ByteArray? {
        val done = completed ?: return null
        completed = null
        if (done.total > maxLength) {
            refused = done
            throw FrameException.oversized("the other end sent a message", done.total, maxLength)
        }
        if (!done.borrowed) return done.array
        landedLength = done.total
        return LANDED
    }

    /** Lets go of every message under way (the stream ended: they never will); how many of their bytes had come. */
    fun dropAll(): Int {
        val partial = assemblies.values.sumOf { it.have }
        assemblies.clear()
        return partial
    }

    /** [prune], at most every [PRUNE_NANOS], once [PRUNE_ASSEMBLIES] messages are under way at once. */
    fun pruneIfCrowded() {
        if (assemblies.size < PRUNE_ASSEMBLIES || System.nanoTime() - prunedAt < PRUNE_NANOS) return
        prune()
    }

    /**
     * Lets go of the messages whose senders died partway: they will never end. Their ids are kept a while, so
     * that their pieces still in the ring are skipped, not taken for a corruption.
     */
    fun prune() {
        prunedAt = System.nanoTime()
        val gone = assemblies.values.filter { !ProcessIdentity.isAlive(it.sender) }
        for (assembly in gone) {
            assemblies.remove(assembly.message)
            dropped.add(assembly.message)
        }
        while (dropped.size > MAX_DROPPED) dropped.remove(dropped.first())
    }

    /**
     * A piece, under the ring's lock: copied to its message's place, which its first piece makes. A piece of a
     * message let go (its sender died partway) is skipped.
     */
    private fun take(message: Long, sender: Long, total: Int, at: Int, length: Int, ring: QueueRing) {
        var assembly = assemblies[message]
        if (at == 0) {
            if (assembly != null || total < length) throw corrupted("a long message that began twice, or is shorter than its first piece")
            val buffer = into
            assembly = if (buffer != null && assemblies.isEmpty()) {
                Assembly(message, sender, total, buffer, intoOffset, borrowed = true)
            } else {
                // Memory that grows with the bytes that came (a few pieces' worth at first), not with the length
                // announced; a power of two, so that a MiB of 128 KiB pieces fits the first array.
                val first = Integer.highestOneBit(FIRST_PIECES * length - 1) shl 1
                Assembly(message, sender, total, ByteArray(minOf(total, first)), 0, borrowed = false)
            }
            assemblies[message] = assembly
        } else if (assembly == null) {
            if (message in dropped || !ProcessIdentity.isAlive(sender)) return
            throw corrupted("a piece of a long message that never began")
        } else if (assembly.have != at || assembly.total != total || length > total - at) {
            throw corrupted("a piece of a long message out of its place")
        }
        if (!assembly.borrowed && assembly.array.size < at + length) {
            assembly.array = assembly.array.copyOf(minOf(total.toLong(), maxOf(2L * assembly.array.size, at.toLong() + length)).toInt())
        }
        ring.copyPiece(assembly.array, assembly.base + at)
        assembly.have += length
        if (assembly.have == total) {
            assemblies.remove(message)
            completed = assembly
        }
    }

    companion object {
        /** What [takeCompleted] returns for a message put together in the lent buffer. */
        val LANDED = ByteArray(0)

        /** From this many long messages under way at once, the receiver looks for senders that died partway... */
        private const val PRUNE_ASSEMBLIES = 8

        /** ...at most this often: each look reads /proc for every one. */
        private const val PRUNE_NANOS = 100_000_000L

        /** Ids of messages let go that are remembered, for their pieces still in the ring. */
        private const val MAX_DROPPED = 1024

        /** A long message's first array holds this many of its first piece, rounded up (its whole length if shorter): 1 MiB. */
        private const val FIRST_PIECES = 8

        fun corrupted(what: String) = FrameException(FrameException.Reason.CORRUPTED, "the other end sent $what")
    }
}
