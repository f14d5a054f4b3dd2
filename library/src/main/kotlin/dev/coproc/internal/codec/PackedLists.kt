package dev.coproc.internal.codec

/**
 * Read-only lists over primitive arrays: a map's million results stay one array until the caller reads them,
 * so the garbage collector never has to copy a million live boxes (the pauses that capped a map's rate).
 */
/** Ints read from a packed chunk. */
internal class PackedInts(val values: IntArray, override val size: Int = values.size) : AbstractList<Int>(), RandomAccess {
    override fun get(index: Int): Int {
        checkIndex(index, size)
        return values[index]
    }
}

/** Longs read from a packed chunk. */
internal class PackedLongs(val values: LongArray, override val size: Int = values.size) : AbstractList<Long>(), RandomAccess {
    override fun get(index: Int): Long {
        checkIndex(index, size)
        return values[index]
    }
}

/** Doubles read from a packed chunk. */
internal class PackedDoubles(val values: DoubleArray, override val size: Int = values.size) : AbstractList<Double>(), RandomAccess {
    override fun get(index: Int): Double {
        checkIndex(index, size)
        return values[index]
    }
}

/**
 * An arithmetic progression as a list, so that `map(0 until n, f)` boxes no element: its sub-lists (a map's
 * chunks) are progressions too, which the chunk codec writes straight from [valueAt].
 */
internal class IntProgressionList(private val first: Int, private val step: Int, override val size: Int) : AbstractList<Int>(), RandomAccess {
    constructor(progression: IntProgression) : this(progression.first, progression.step, progression.count())

    fun valueAt(index: Int): Int = first + index * step

    override fun get(index: Int): Int {
        checkIndex(index, size)
        return valueAt(index)
    }

    override fun subList(fromIndex: Int, toIndex: Int): List<Int> {
        if (fromIndex < 0 || toIndex > size || fromIndex > toIndex) throw IndexOutOfBoundsException("fromIndex $fromIndex, toIndex $toIndex, size $size")
        return IntProgressionList(valueAt(fromIndex), step, toIndex - fromIndex)
    }
}

/** [IntProgressionList] for longs. */
internal class LongProgressionList(private val first: Long, private val step: Long, override val size: Int) : AbstractList<Long>(), RandomAccess {
    constructor(progression: LongProgression) : this(progression.first, progression.step, progression.count())

    fun valueAt(index: Int): Long = first + index * step

    override fun get(index: Int): Long {
        checkIndex(index, size)
        return valueAt(index)
    }

    override fun subList(fromIndex: Int, toIndex: Int): List<Long> {
        if (fromIndex < 0 || toIndex > size || fromIndex > toIndex) throw IndexOutOfBoundsException("fromIndex $fromIndex, toIndex $toIndex, size $size")
        return LongProgressionList(valueAt(fromIndex), step, toIndex - fromIndex)
    }
}

private fun checkIndex(index: Int, size: Int) {
    if (index < 0 || index >= size) throw IndexOutOfBoundsException("index $index, size $size")
}

/**
 * Gathers a map's result chunks in order into one list: packed primitive chunks into one primitive array,
 * anything else (or a mix) into an [ArrayList].
 */
internal class ResultCollector(private val total: Int) {
    private var ints: IntArray? = null
    private var longs: LongArray? = null
    private var doubles: DoubleArray? = null
    private var boxed: ArrayList<Any?>? = null
    private var size = 0

    fun add(chunk: List<Any?>) {
        when {
            chunk is PackedInts && boxed == null && longs == null && doubles == null ->
                chunk.values.copyInto(ints ?: IntArray(total).also { ints = it }, size, 0, chunk.size)
            chunk is PackedLongs && boxed == null && ints == null && doubles == null ->
                chunk.values.copyInto(longs ?: LongArray(total).also { longs = it }, size, 0, chunk.size)
            chunk is PackedDoubles && boxed == null && ints == null && longs == null ->
                chunk.values.copyInto(doubles ?: DoubleArray(total).also { doubles = it }, size, 0, chunk.size)
            else -> {
                toBoxed().addAll(chunk)
                size += chunk.size
                return
            }
        }
        size += chunk.size
    }

    fun result(): List<Any?> = boxed
        ?: ints?.let { PackedInts(it, size) }
        ?: longs?.let { PackedLongs(it, size) }
        ?: doubles?.let { PackedDoubles(it, size) }
        ?: ArrayList()

    private fun toBoxed(): ArrayList<Any?> = boxed ?: ArrayList<Any?>(total).also { list ->
        ints?.let { values -> for (i in 0 until size) list += values[i] }
        longs?.let { values -> for (i in 0 until size) list += values[i] }
        doubles?.let { values -> for (i in 0 until size) list += values[i] }
        ints = null
        longs = null
        doubles = null
        boxed = list
    }
}
