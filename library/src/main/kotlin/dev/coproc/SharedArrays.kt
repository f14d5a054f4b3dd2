package dev.coproc

import dev.coproc.internal.shm.SharedSegment
import kotlinx.serialization.Serializable

/**
 * A fixed-size shared array: indexing, copies in and out, and atomic element operations, seen by every
 * process holding it. Single element reads and writes are atomic; a bulk copy is not one atomic change
 * (another process may write meanwhile): guard it with [withLock] when that matters.
 */
public sealed class SharedArray(segment: SharedSegment, private val elementBytes: Int) : SharedData(segment) {
    /** The number of elements. */
    public val size: Int = segment.getInt(SIZE)

    /** The valid indices, for iteration. */
    @get:JvmSynthetic
    public val indices: IntRange get() = 0 until size

    @JvmSynthetic
    internal fun at(index: Int): Int {
        if (index !in 0 until size) throw IndexOutOfBoundsException("index $index out of bounds for a shared array of size $size")
        return ELEMENTS + index * elementBytes
    }

    @JvmSynthetic
    internal fun checkRange(from: Int, count: Int) {
        if (from < 0 || count < 0 || from + count > size) throw IndexOutOfBoundsException("range [$from, ${from + count}) out of bounds for a shared array of size $size")
    }

    internal companion object {
        const val SIZE = DATA
        const val ELEMENTS = DATA + 64

        @JvmSynthetic
        fun create(label: String, kind: Int, size: Int, elementBytes: Int): SharedSegment {
            require(size >= 0) { "size must not be negative: $size" }
            require(size.toLong() * elementBytes <= Int.MAX_VALUE - ELEMENTS - 4096) { "a shared array of $size elements of $elementBytes bytes is too large (2 GiB at most)" }
            return SharedSegment.create(label, kind, ELEMENTS + size.toLong() * elementBytes).also { it.setInt(SIZE, size) }
        }
    }
}

/** A shared `IntArray` (Python's `Array('i', ...)`). */
@Serializable(with = SharedIntArraySerializer::class)
public class SharedIntArray internal constructor(segment: SharedSegment) : SharedArray(segment, 4) {
    public operator fun get(index: Int): Int = segment.getInt(at(index))
    public operator fun set(index: Int, value: Int): Unit = segment.setInt(at(index), value)
    public fun getAndAdd(index: Int, delta: Int): Int = segment.getAndAddInt(at(index), delta)
    public fun addAndGet(index: Int, delta: Int): Int = segment.getAndAddInt(at(index), delta) + delta
    public fun incrementAndGet(index: Int): Int = addAndGet(index, 1)
    public fun getAndSet(index: Int, value: Int): Int = segment.getAndSetInt(at(index), value)
    public fun compareAndSet(index: Int, expected: Int, value: Int): Boolean = segment.compareAndSetInt(at(index), expected, value)

    /** [update] taking a Java function, for Java callers: the same atomic read-modify-write, without inlining. */
    public fun updateAndGet(index: Int, function: java.util.function.IntUnaryOperator): Int = update(index) { function.applyAsInt(it) }

    /** Applies [function] to element [index] atomically (it may run more than once: keep it pure); returns the new value. */
    @JvmSynthetic
    public inline fun update(index: Int, function: (Int) -> Int): Int {
        while (true) {
            val current = get(index)
            val next = function(current)
            if (compareAndSet(index, current, next)) return next
        }
    }

    /** A copy of elements [from] until [to] (Python's `arr[from:to]`); all of them by default (`arr[:]`). */
    public fun copyOfRange(from: Int = 0, to: Int = size): IntArray {
        checkRange(from, to - from)
        return IntArray(to - from).also { segment.readInts(ELEMENTS + from * 4, it, 0, it.size) }
    }

    /** A copy of the elements in [range]. */
    @JvmSynthetic
    public fun slice(range: IntRange): IntArray = copyOfRange(range.first, range.last + 1)

    /** A copy of every element. */
    public fun toIntArray(): IntArray = copyOfRange()

    /** Copies [source] in, starting at element [at]. */
    public fun copyFrom(source: IntArray, at: Int = 0) {
        checkRange(at, source.size)
        segment.writeInts(ELEMENTS + at * 4, source, 0, source.size)
    }

    public fun fill(value: Int): Unit = copyFrom(IntArray(size) { value })

    override fun toString(): String = "SharedIntArray(${toIntArray().contentToString()})"

    internal companion object {
        const val KIND = 0x43504149 // "CPAI"
    }
}

/** A shared `LongArray` (Python's `Array('q', ...)`). */
@Serializable(with = SharedLongArraySerializer::class)
public class SharedLongArray internal constructor(segment: SharedSegment) : SharedArray(segment, 8) {
    public operator fun get(index: Int): Long = segment.getLong(at(index))
    public operator fun set(index: Int, value: Long): Unit = segment.setLong(at(index), value)
    public fun getAndAdd(index: Int, delta: Long): Long = segment.getAndAddLong(at(index), delta)
    public fun addAndGet(index: Int, delta: Long): Long = segment.getAndAddLong(at(index), delta) + delta
    public fun incrementAndGet(index: Int): Long = addAndGet(index, 1)
    public fun getAndSet(index: Int, value: Long): Long = segment.getAndSetLong(at(index), value)
    public fun compareAndSet(index: Int, expected: Long, value: Long): Boolean = segment.compareAndSetLong(at(index), expected, value)

    /** [update] taking a Java function, for Java callers: the same atomic read-modify-write, without inlining. */
    public fun updateAndGet(index: Int, function: java.util.function.LongUnaryOperator): Long = update(index) { function.applyAsLong(it) }

    /** Applies [function] to element [index] atomically (it may run more than once: keep it pure); returns the new value. */
    @JvmSynthetic
    public inline fun update(index: Int, function: (Long) -> Long): Long {
        while (true) {
            val current = get(index)
            val next = function(current)
            if (compareAndSet(index, current, next)) return next
        }
    }

    /** A copy of elements [from] until [to]; all of them by default. */
    public fun copyOfRange(from: Int = 0, to: Int = size): LongArray {
        checkRange(from, to - from)
        return LongArray(to - from).also { segment.readLongs(ELEMENTS + from * 8, it, 0, it.size) }
    }

    @JvmSynthetic
    public fun slice(range: IntRange): LongArray = copyOfRange(range.first, range.last + 1)
    public fun toLongArray(): LongArray = copyOfRange()

    /** Copies [source] in, starting at element [at]. */
    public fun copyFrom(source: LongArray, at: Int = 0) {
        checkRange(at, source.size)
        segment.writeLongs(ELEMENTS + at * 8, source, 0, source.size)
    }

    public fun fill(value: Long): Unit = copyFrom(LongArray(size) { value })

    override fun toString(): String = "SharedLongArray(${toLongArray().contentToString()})"

    internal companion object {
        const val KIND = 0x4350414c // "CPAL"
    }
}

/** A shared `DoubleArray` (Python's `Array('d', ...)`). */
@Serializable(with = SharedDoubleArraySerializer::class)
public class SharedDoubleArray internal constructor(segment: SharedSegment) : SharedArray(segment, 8) {
    public operator fun get(index: Int): Double = segment.getDouble(at(index))
    public operator fun set(index: Int, value: Double): Unit = segment.setDouble(at(index), value)
    public fun getAndSet(index: Int, value: Double): Double = segment.getAndSetDouble(at(index), value)

    /** Compares bit patterns, as [SharedDouble.compareAndSet]. */
    public fun compareAndSet(index: Int, expected: Double, value: Double): Boolean = segment.compareAndSetDouble(at(index), expected, value)
    public fun addAndGet(index: Int, delta: Double): Double = update(index) { it + delta }

    /** [update] taking a Java function, for Java callers: the same atomic read-modify-write, without inlining. */
    public fun updateAndGet(index: Int, function: java.util.function.DoubleUnaryOperator): Double = update(index) { function.applyAsDouble(it) }

    /** Applies [function] to element [index] atomically (it may run more than once: keep it pure); returns the new value. */
    @JvmSynthetic
    public inline fun update(index: Int, function: (Double) -> Double): Double {
        while (true) {
            val current = get(index)
            val next = function(current)
            if (compareAndSet(index, current, next)) return next
        }
    }

    /** A copy of elements [from] until [to]; all of them by default. */
    public fun copyOfRange(from: Int = 0, to: Int = size): DoubleArray {
        checkRange(from, to - from)
        return DoubleArray(to - from).also { segment.readDoubles(ELEMENTS + from * 8, it, 0, it.size) }
    }

    @JvmSynthetic
    public fun slice(range: IntRange): DoubleArray = copyOfRange(range.first, range.last + 1)
    public fun toDoubleArray(): DoubleArray = copyOfRange()

    /** Copies [source] in, starting at element [at]. */
    public fun copyFrom(source: DoubleArray, at: Int = 0) {
        checkRange(at, source.size)
        segment.writeDoubles(ELEMENTS + at * 8, source, 0, source.size)
    }

    public fun fill(value: Double): Unit = copyFrom(DoubleArray(size) { value })

    override fun toString(): String = "SharedDoubleArray(${toDoubleArray().contentToString()})"

    internal companion object {
        const val KIND = 0x43504144 // "CPAD"
    }
}

/**
 * A shared `ByteArray` (Python's `Array('b', ...)`). Atomic element operations work on the aligned word
 * holding the byte, so neighbours' concurrent updates are never lost.
 */
@Serializable(with = SharedByteArraySerializer::class)
public class SharedByteArray internal constructor(segment: SharedSegment) : SharedArray(segment, 1) {
    public operator fun get(index: Int): Byte {
        val offset = at(index)
        return (segment.getInt(offset and 3.inv()) ushr shift(offset)).toByte()
    }

    public operator fun set(index: Int, value: Byte) {
        update(index) { value }
    }

    public fun compareAndSet(index: Int, expected: Byte, value: Byte): Boolean {
        val offset = at(index)
        val word = offset and 3.inv()
        val shift = shift(offset)
        while (true) {
            val current = segment.getInt(word)
            if ((current ushr shift).toByte() != expected) return false
            val next = (current and (0xff shl shift).inv()) or ((value.toInt() and 0xff) shl shift)
            if (segment.compareAndSetInt(word, current, next)) return true
        }
    }

    /** Adds with the wrap-around of `Byte` arithmetic; returns the new value. */
    public fun addAndGet(index: Int, delta: Byte): Byte = update(index) { (it + delta).toByte() }

    /** Applies [function] to element [index] atomically (it may run more than once: keep it pure); returns the new value. */
    public inline fun update(index: Int, function: (Byte) -> Byte): Byte {
        while (true) {
            val current = get(index)
            val next = function(current)
            if (compareAndSet(index, current, next)) return next
        }
    }

    /** A copy of elements [from] until [to]; all of them by default. */
    public fun copyOfRange(from: Int = 0, to: Int = size): ByteArray {
        checkRange(from, to - from)
        return ByteArray(to - from).also { segment.read(ELEMENTS + from, it, 0, it.size) }
    }

    @JvmSynthetic
    public fun slice(range: IntRange): ByteArray = copyOfRange(range.first, range.last + 1)
    public fun toByteArray(): ByteArray = copyOfRange()

    /** Copies [source] in, starting at element [at] (byte by byte: not atomic against concurrent element updates). */
    public fun copyFrom(source: ByteArray, at: Int = 0) {
        checkRange(at, source.size)
        segment.write(ELEMENTS + at, source, 0, source.size)
    }

    public fun fill(value: Byte): Unit = copyFrom(ByteArray(size) { value })

    override fun toString(): String = "SharedByteArray(${toByteArray().contentToString()})"

    /** Bit position of a byte in its aligned little-endian word. */
    private fun shift(offset: Int): Int = (offset and 3) * 8

    internal companion object {
        const val KIND = 0x43504142 // "CPAB"
    }
}

/** A new shared array of [size] zeros; see [SharedIntArray]. */
public fun SharedIntArray(size: Int): SharedIntArray = SharedIntArray(SharedArray.create("int-array", SharedIntArray.KIND, size, 4))

/** A new shared array holding a copy of [contents] (Python's `Array('i', range(10))`). */
public fun SharedIntArray(contents: IntArray): SharedIntArray = SharedIntArray(contents.size).also { it.copyFrom(contents) }

/** A new shared array of [size] zeros; see [SharedLongArray]. */
public fun SharedLongArray(size: Int): SharedLongArray = SharedLongArray(SharedArray.create("long-array", SharedLongArray.KIND, size, 8))

/** A new shared array holding a copy of [contents]. */
public fun SharedLongArray(contents: LongArray): SharedLongArray = SharedLongArray(contents.size).also { it.copyFrom(contents) }

/** A new shared array of [size] zeros; see [SharedDoubleArray]. */
public fun SharedDoubleArray(size: Int): SharedDoubleArray = SharedDoubleArray(SharedArray.create("double-array", SharedDoubleArray.KIND, size, 8))

/** A new shared array holding a copy of [contents]. */
public fun SharedDoubleArray(contents: DoubleArray): SharedDoubleArray = SharedDoubleArray(contents.size).also { it.copyFrom(contents) }

/** A new shared array of [size] zeros; see [SharedByteArray]. */
public fun SharedByteArray(size: Int): SharedByteArray = SharedByteArray(SharedArray.create("byte-array", SharedByteArray.KIND, size, 1))

/** A new shared array holding a copy of [contents]. */
public fun SharedByteArray(contents: ByteArray): SharedByteArray = SharedByteArray(contents.size).also { it.copyFrom(contents) }

internal object SharedIntArraySerializer : SharedObjectSerializer<SharedIntArray>("dev.coproc.SharedIntArray", SharedIntArray.KIND, "shared IntArray", { SharedIntArray(it) })
internal object SharedLongArraySerializer : SharedObjectSerializer<SharedLongArray>("dev.coproc.SharedLongArray", SharedLongArray.KIND, "shared LongArray", { SharedLongArray(it) })
internal object SharedDoubleArraySerializer : SharedObjectSerializer<SharedDoubleArray>("dev.coproc.SharedDoubleArray", SharedDoubleArray.KIND, "shared DoubleArray", { SharedDoubleArray(it) })
internal object SharedByteArraySerializer : SharedObjectSerializer<SharedByteArray>("dev.coproc.SharedByteArray", SharedByteArray.KIND, "shared ByteArray", { SharedByteArray(it) })
