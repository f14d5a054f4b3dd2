package dev.coproc

import dev.coproc.internal.shm.SharedSegment
import kotlinx.serialization.Serializable

/** A shared `Int` (Python's `Value('i')`): reads, writes and atomic updates seen by every process holding it. */
@Serializable(with = SharedIntSerializer::class)
public class SharedInt internal constructor(segment: SharedSegment) : SharedData(segment) {
    /** The value now; setting it is one atomic store. */
    public var value: Int
        get() = segment.getInt(DATA)
        set(value) = segment.setInt(DATA, value)

    public fun getAndAdd(delta: Int): Int = segment.getAndAddInt(DATA, delta)
    public fun addAndGet(delta: Int): Int = segment.getAndAddInt(DATA, delta) + delta
    public fun incrementAndGet(): Int = addAndGet(1)
    public fun decrementAndGet(): Int = addAndGet(-1)
    public fun getAndSet(value: Int): Int = segment.getAndSetInt(DATA, value)
    public fun compareAndSet(expected: Int, value: Int): Boolean = segment.compareAndSetInt(DATA, expected, value)

    /** [update] taking a Java function, for Java callers: the same atomic read-modify-write, without inlining. */
    public fun updateAndGet(function: java.util.function.IntUnaryOperator): Int = update { function.applyAsInt(it) }

    /** Applies [function] atomically (it may run more than once under contention: keep it pure); returns the new value. */
    @JvmSynthetic
    public inline fun update(function: (Int) -> Int): Int {
        while (true) {
            val current = value
            val next = function(current)
            if (compareAndSet(current, next)) return next
        }
    }

    override fun toString(): String = "SharedInt($value)"

    internal companion object {
        const val KIND = 0x43505649 // "CPVI"
    }
}

/** A shared `Long` (Python's `Value('q')`): reads, writes and atomic updates seen by every process holding it. */
@Serializable(with = SharedLongSerializer::class)
public class SharedLong internal constructor(segment: SharedSegment) : SharedData(segment), SharedCounter {
    /** The value now; setting it is one atomic store. */
    override var value: Long
        get() = segment.getLong(DATA)
        set(value) = segment.setLong(DATA, value)

    override fun getAndAdd(delta: Long): Long = segment.getAndAddLong(DATA, delta)
    override fun addAndGet(delta: Long): Long = segment.getAndAddLong(DATA, delta) + delta
    override fun incrementAndGet(): Long = addAndGet(1)
    override fun decrementAndGet(): Long = addAndGet(-1)
    override fun getAndSet(value: Long): Long = segment.getAndSetLong(DATA, value)
    override fun compareAndSet(expected: Long, value: Long): Boolean = segment.compareAndSetLong(DATA, expected, value)

    /** [update] taking a Java function, for Java callers: the same atomic read-modify-write, without inlining. */
    public fun updateAndGet(function: java.util.function.LongUnaryOperator): Long = update { function.applyAsLong(it) }

    /** Applies [function] atomically (it may run more than once under contention: keep it pure); returns the new value. */
    @JvmSynthetic
    public inline fun update(function: (Long) -> Long): Long {
        while (true) {
            val current = value
            val next = function(current)
            if (compareAndSet(current, next)) return next
        }
    }

    override fun toString(): String = "SharedLong($value)"

    internal companion object {
        const val KIND = 0x4350564c // "CPVL"
    }
}

/** A shared `Double` (Python's `Value('d')`): reads, writes and atomic updates seen by every process holding it. */
@Serializable(with = SharedDoubleSerializer::class)
public class SharedDouble internal constructor(segment: SharedSegment) : SharedData(segment) {
    /** The value now; setting it is one atomic store. */
    public var value: Double
        get() = segment.getDouble(DATA)
        set(value) = segment.setDouble(DATA, value)

    /** Adds atomically (a compare-and-set loop: there is no atomic floating-point add); returns the new value. */
    public fun addAndGet(delta: Double): Double = update { it + delta }
    public fun getAndSet(value: Double): Double = segment.getAndSetDouble(DATA, value)

    /** Compares bit patterns, so `NaN` matches `NaN` and `0.0` does not match `-0.0`. */
    public fun compareAndSet(expected: Double, value: Double): Boolean = segment.compareAndSetDouble(DATA, expected, value)

    /** [update] taking a Java function, for Java callers: the same atomic read-modify-write, without inlining. */
    public fun updateAndGet(function: java.util.function.DoubleUnaryOperator): Double = update { function.applyAsDouble(it) }

    /** Applies [function] atomically (it may run more than once under contention: keep it pure); returns the new value. */
    @JvmSynthetic
    public inline fun update(function: (Double) -> Double): Double {
        while (true) {
            val current = value
            val next = function(current)
            if (compareAndSet(current, next)) return next
        }
    }

    override fun toString(): String = "SharedDouble($value)"

    internal companion object {
        const val KIND = 0x43505644 // "CPVD"
    }
}

/** A shared `Boolean` flag (Python's `Value('?')`), with atomic compare-and-set. */
@Serializable(with = SharedBooleanSerializer::class)
public class SharedBoolean internal constructor(segment: SharedSegment) : SharedData(segment) {
    /** The value now; setting it is one atomic store. */
    public var value: Boolean
        get() = segment.getInt(DATA) != 0
        set(value) = segment.setInt(DATA, if (value) 1 else 0)

    public fun getAndSet(value: Boolean): Boolean = segment.getAndSetInt(DATA, if (value) 1 else 0) != 0
    public fun compareAndSet(expected: Boolean, value: Boolean): Boolean =
        segment.compareAndSetInt(DATA, if (expected) 1 else 0, if (value) 1 else 0)

    override fun toString(): String = "SharedBoolean($value)"

    internal companion object {
        const val KIND = 0x4350565a // "CPVZ"
    }
}

/** A shared `Byte` (Python's `Value('b')`), with atomic updates; stored in a word of its own. */
@Serializable(with = SharedByteSerializer::class)
public class SharedByte internal constructor(segment: SharedSegment) : SharedData(segment) {
    /** The value now; setting it is one atomic store. */
    public var value: Byte
        get() = segment.getInt(DATA).toByte()
        set(value) = segment.setInt(DATA, value.toInt())

    /** Adds with the wrap-around of `Byte` arithmetic; returns the previous value. */
    public fun getAndAdd(delta: Byte): Byte {
        while (true) {
            val current = value
            if (compareAndSet(current, (current + delta).toByte())) return current
        }
    }

    public fun getAndSet(value: Byte): Byte = segment.getAndSetInt(DATA, value.toInt()).toByte()
    public fun compareAndSet(expected: Byte, value: Byte): Boolean = segment.compareAndSetInt(DATA, expected.toInt(), value.toInt())

    override fun toString(): String = "SharedByte($value)"

    internal companion object {
        const val KIND = 0x43505642 // "CPVB"
    }
}

private fun valueSegment(label: String, kind: Int, bytes: Int): SharedSegment = SharedSegment.create(label, kind, (SharedData.DATA + bytes).toLong())

/** A new shared `Int` holding [initial]; see [SharedInt]. */
public fun SharedInt(initial: Int = 0): SharedInt = SharedInt(valueSegment("int", SharedInt.KIND, 8)).also { it.value = initial }

/** A new shared `Long` holding [initial]; see [SharedLong]. */
public fun SharedLong(initial: Long = 0): SharedLong = SharedLong(valueSegment("long", SharedLong.KIND, 8)).also { it.value = initial }

/** A new shared `Double` holding [initial]; see [SharedDouble]. */
public fun SharedDouble(initial: Double = 0.0): SharedDouble = SharedDouble(valueSegment("double", SharedDouble.KIND, 8)).also { it.value = initial }

/** A new shared `Boolean` holding [initial]; see [SharedBoolean]. */
public fun SharedBoolean(initial: Boolean = false): SharedBoolean = SharedBoolean(valueSegment("boolean", SharedBoolean.KIND, 8)).also { it.value = initial }

/** A new shared `Byte` holding [initial]; see [SharedByte]. */
public fun SharedByte(initial: Byte = 0): SharedByte = SharedByte(valueSegment("byte", SharedByte.KIND, 8)).also { it.value = initial }

internal object SharedIntSerializer : SharedObjectSerializer<SharedInt>("dev.coproc.SharedInt", SharedInt.KIND, "shared Int", { SharedInt(it) })
internal object SharedLongSerializer : SharedObjectSerializer<SharedLong>("dev.coproc.SharedLong", SharedLong.KIND, "shared Long", { SharedLong(it) })
internal object SharedDoubleSerializer : SharedObjectSerializer<SharedDouble>("dev.coproc.SharedDouble", SharedDouble.KIND, "shared Double", { SharedDouble(it) })
internal object SharedBooleanSerializer : SharedObjectSerializer<SharedBoolean>("dev.coproc.SharedBoolean", SharedBoolean.KIND, "shared Boolean", { SharedBoolean(it) })
internal object SharedByteSerializer : SharedObjectSerializer<SharedByte>("dev.coproc.SharedByte", SharedByte.KIND, "shared Byte", { SharedByte(it) })
