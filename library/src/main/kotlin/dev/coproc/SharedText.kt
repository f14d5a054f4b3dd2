package dev.coproc

import dev.coproc.internal.shm.ProcessIdentity
import dev.coproc.internal.shm.SharedSegment
import kotlinx.serialization.Serializable

/**
 * Up to [capacity] shared bytes (Python's `Array('c', n)` used through `.value`). A read never sees half of a
 * write and never waits for a lock: it copies, then checks that no write ran meanwhile (a sequence lock);
 * writers take turns on a word naming the writing process, so a writer's death cannot block the others (its
 * own write may be left half-done).
 */
@Serializable(with = SharedBytesSerializer::class)
public class SharedBytes internal constructor(segment: SharedSegment) : SharedData(segment) {
    /** The most bytes it holds. */
    public val capacity: Int get() = segment.getInt(CAPACITY)

    /** A copy of the bytes now; setting them copies [value] in, as one atomic change. */
    public var value: ByteArray
        get() = read()
        set(value) = write { store(value) }

    /** Sets [value] if the bytes now equal [expected]; true if it did. */
    public fun compareAndSet(expected: ByteArray, value: ByteArray): Boolean = write {
        val current = ByteArray(segment.getInt(LENGTH)).also { segment.read(BYTES, it, 0, it.size) }
        current.contentEquals(expected).also { equal -> if (equal) store(value) }
    }

    private fun store(value: ByteArray) {
        require(value.size <= capacity) { "${value.size} bytes do not fit in a shared value of $capacity bytes" }
        segment.write(BYTES, value, 0, value.size)
        segment.setInt(LENGTH, value.size)
    }

    private fun read(): ByteArray {
        var spins = 0
        while (true) {
            val before = segment.getInt(SEQUENCE)
            if (before % 2 == 0) {
                val length = segment.getInt(LENGTH).coerceIn(0, capacity)
                val copy = ByteArray(length)
                segment.read(BYTES, copy, 0, length)
                SharedSegment.fence()
                if (segment.getInt(SEQUENCE) == before) return copy
            }
            if (++spins % 1024 == 0) recoverDeadWriter() else Thread.onSpinWait()
        }
    }

    private inline fun <R> write(change: () -> R): R {
        checkOpen()
        val self = ProcessIdentity.self()
        var spins = 0
        while (!segment.compareAndSetLong(WRITER, 0L, self)) {
            if (++spins % 1024 == 0) recoverDeadWriter() else Thread.onSpinWait()
        }
        segment.getAndAddInt(SEQUENCE, 1)
        try {
            return change()
        } finally {
            segment.getAndAddInt(SEQUENCE, 1)
            segment.setLong(WRITER, 0L)
        }
    }

    /** A writer died mid-write: its change stays as far as it got; the sequence is made even again. */
    private fun recoverDeadWriter() {
        val writer = segment.getLong(WRITER)
        if (writer == 0L || writer == ProcessIdentity.self() || ProcessIdentity.isAlive(writer)) return
        val sequence = segment.getInt(SEQUENCE)
        if (segment.compareAndSetLong(WRITER, writer, ProcessIdentity.self())) {
            if (sequence % 2 != 0) segment.compareAndSetInt(SEQUENCE, sequence, sequence + 1)
            segment.setLong(WRITER, 0L)
        }
    }

    override fun toString(): String = "SharedBytes(${read().size} of $capacity bytes)"

    internal companion object {
        const val KIND = 0x43505659 // "CPVY"
        const val SEQUENCE = DATA
        const val LENGTH = DATA + 4
        const val WRITER = DATA + 8
        const val CAPACITY = DATA + 16
        const val BYTES = DATA + 64

        fun create(kind: Int, label: String, capacity: Int): SharedSegment {
            require(capacity >= 0) { "capacity must not be negative: $capacity" }
            return SharedSegment.create(label, kind, BYTES.toLong() + capacity).also { it.setInt(CAPACITY, capacity) }
        }
    }
}

/**
 * A shared string of up to [capacity] UTF-8 bytes (Python's `Value(c_char_p)` done safely: the text lives in
 * the shared memory, not a pointer to one process's memory). Reads and writes as [SharedBytes].
 */
@Serializable(with = SharedStringSerializer::class)
public class SharedString internal constructor(segment: SharedSegment) : SharedData(segment) {
    private val bytes = SharedBytes(segment)

    /** The most UTF-8 bytes it holds. */
    public val capacity: Int get() = bytes.capacity

    /**
     * The string now; setting one longer than [capacity] in UTF-8 fails with [IllegalArgumentException].
     */
    public var value: String
        get() = bytes.value.decodeToString()
        set(value) {
            bytes.value = value.encodeToByteArray()
        }

    /** Sets [value] if the string now equals [expected]; true if it did. */
    public fun compareAndSet(expected: String, value: String): Boolean = bytes.compareAndSet(expected.encodeToByteArray(), value.encodeToByteArray())

    override fun close() {
        bytes.close()
        super.close()
    }

    override fun toString(): String = "SharedString(\"$value\")"

    internal companion object {
        const val KIND = 0x43505653 // "CPVS"
    }
}

/** New shared bytes, up to [capacity], holding [initial]; see [SharedBytes]. */
public fun SharedBytes(capacity: Int, initial: ByteArray = ByteArray(0)): SharedBytes =
    SharedBytes(SharedBytes.create(SharedBytes.KIND, "bytes", capacity)).also { it.value = initial }

/** A new shared string of up to [capacity] UTF-8 bytes, holding [initial]; see [SharedString]. */
public fun SharedString(capacity: Int, initial: String = ""): SharedString =
    SharedString(SharedBytes.create(SharedString.KIND, "string", capacity)).also { it.value = initial }

internal object SharedBytesSerializer : SharedObjectSerializer<SharedBytes>("dev.coproc.SharedBytes", SharedBytes.KIND, "shared bytes", { SharedBytes(it) })
internal object SharedStringSerializer : SharedObjectSerializer<SharedString>("dev.coproc.SharedString", SharedString.KIND, "shared string", { SharedString(it) })
