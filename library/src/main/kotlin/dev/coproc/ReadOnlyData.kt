package dev.coproc

import dev.coproc.internal.handles.DescriptorGrant
import dev.coproc.internal.handles.HandOver
import dev.coproc.internal.handles.HandleSerializer
import dev.coproc.internal.os.SharedMemory
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.DoubleBuffer
import java.nio.IntBuffer
import java.nio.LongBuffer
import java.nio.channels.FileChannel
import java.nio.file.Path
import kotlinx.serialization.Serializable
import kotlinx.serialization.SerializationException

/**
 * Large data put once into shared memory and read by any number of processes and tasks without a copy: the
 * JVM's answer to Python's "a global set before fork" (copy-on-write pages). Every process maps the same
 * pages, so ten workers reading 512 MiB use 512 MiB, not 5 GiB, and handing it over costs a descriptor, not a
 * serialization of the data.
 *
 * Nobody can change it once made, not even its creator: the memory is sealed by the kernel (memfd seals)
 * before anyone sees it, and every process maps it read-only ([buffer] and the typed views throw
 * `ReadOnlyBufferException`; the kernel refuses a writable mapping). A handle is serializable like every
 * other: pass it in a task's or a pool initializer's arguments. The memory is freed when the last process
 * holding it closed it or ended; it is owner-only (0600) and has no name in `/dev/shm`. Up to 2 GiB each.
 */
public sealed class ReadOnlyData(internal val memory: SharedMemory, private val offset: Int, private val kind: Int) : AutoCloseable {
    private val handOver = HandOver()
    @Volatile private var closed = false

    /** The size of the data in bytes: a file's whole size, or what the sealed memory's header says. */
    public val byteSize: Int =
        if (offset == 0) memory.buffer().capacity() else memory.buffer().order(ByteOrder.nativeOrder()).getLong(SIZE_AT).toInt()

    /** The data as a read-only buffer in native byte order: a view of the shared pages, never a copy. */
    public fun buffer(): ByteBuffer {
        check(!closed) { "this ${this::class.simpleName} handle was closed" }
        return memory.buffer().duplicate().position(offset).limit(offset + byteSize).slice().order(ByteOrder.nativeOrder())
    }

    /**
     * Closes this process's handle. The pages stay mapped for views still in use (they go with the views'
     * garbage collection) and the memory lives on in the processes still holding it. Idempotent.
     */
    override fun close() {
        if (closed) return
        closed = true
        handOver.release()
        memory.close()
    }

    internal fun form(): ReadOnlyForm {
        check(!closed) { "this ${this::class.simpleName} handle was closed" }
        return ReadOnlyForm(handOver.grant(this) { memory.duplicate() }, file = offset == 0, kind)
    }

    internal companion object {
        /** Sealed memory starts with a page holding the kind and the size; the data starts page-aligned after it. */
        const val HEADER = 4096
        const val SIZE_AT = 8
        const val BYTES = 0x43504f42 // "CPOB"
        const val INTS = 0x43504f49 // "CPOI"
        const val LONGS = 0x43504f4c // "CPOL"
        const val DOUBLES = 0x43504f44 // "CPOD"

        /**
         * New sealed memory of [count] elements of [width] bytes, filled by [put] (which writes elements
         * `from until from + n` into a native-order chunk) in 1 MiB chunks: no copy of the whole data on the heap.
         */
        fun seal(kind: Int, count: Long, width: Int, put: (chunk: ByteBuffer, from: Long, n: Int) -> Unit): SharedMemory {
            require(count >= 0) { "a negative size: $count" }
            val bytes = count * width
            require(HEADER + bytes <= Int.MAX_VALUE) { "at most ${Int.MAX_VALUE - HEADER} bytes of read-only data, not $bytes" }
            return SharedMemory.createSealed("readonly", HEADER + bytes.coerceAtLeast(1)) { channel -> write(channel, kind, count, width, put) }
        }

        private fun write(channel: FileChannel, kind: Int, count: Long, width: Int, put: (ByteBuffer, Long, Int) -> Unit) {
            val chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.nativeOrder())
            chunk.putInt(0, kind).putLong(SIZE_AT, count * width).position(HEADER).flip()
            writeFully(channel, chunk)
            val perChunk = CHUNK / width
            var from = 0L
            while (from < count) {
                val n = minOf(perChunk.toLong(), count - from).toInt()
                chunk.clear()
                put(chunk, from, n)
                chunk.flip()
                writeFully(channel, chunk)
                from += n
            }
        }

        private fun writeFully(channel: FileChannel, chunk: ByteBuffer) {
            while (chunk.hasRemaining()) channel.write(chunk)
        }

        private const val CHUNK = 1 shl 20
    }
}

/** What crosses in place of read-only data: where to fetch its descriptor, and what it holds. */
@Serializable
internal class ReadOnlyForm(val data: DescriptorGrant, val file: Boolean, val kind: Int)

/** Read-only bytes in shared memory, or a file mapped read-only ([mapFile]). See [ReadOnlyData]. */
@Serializable(with = ReadOnlyBytesSerializer::class)
public class ReadOnlyBytes internal constructor(memory: SharedMemory, offset: Int) : ReadOnlyData(memory, offset, BYTES) {
    private val view = buffer()

    public val size: Int get() = view.capacity()

    public operator fun get(index: Int): Byte = view.get(index)

    /** A copy of [length] bytes from [from] (a copy: for the pages themselves, use [buffer]). */
    public fun copyOfRange(from: Int, length: Int): ByteArray = ByteArray(length).also { view.get(from, it) }

    public companion object {
        /**
         * Maps the file at [path] read-only: every process given the handle reads the same pages of the page
         * cache. Unlike sealed memory, the file can still be changed on disk by whoever may write it.
         */
        @JvmStatic
        public fun mapFile(path: Path): ReadOnlyBytes = ReadOnlyBytes(SharedMemory.openFile(path), 0)
    }
}

/** Read-only Ints in shared memory. See [ReadOnlyData]. */
@Serializable(with = ReadOnlyIntArraySerializer::class)
public class ReadOnlyIntArray internal constructor(memory: SharedMemory) : ReadOnlyData(memory, HEADER, INTS) {
    private val view: IntBuffer = buffer().asIntBuffer()

    public val size: Int get() = view.capacity()

    public operator fun get(index: Int): Int = view.get(index)

    /** A read-only view of the elements (no copy). */
    public fun ints(): IntBuffer = view.duplicate()

    /** A copy of every element. */
    public fun toIntArray(): IntArray = IntArray(size).also { view.duplicate().get(it) }
}

/** Read-only Longs in shared memory. See [ReadOnlyData]. */
@Serializable(with = ReadOnlyLongArraySerializer::class)
public class ReadOnlyLongArray internal constructor(memory: SharedMemory) : ReadOnlyData(memory, HEADER, LONGS) {
    private val view: LongBuffer = buffer().asLongBuffer()

    public val size: Int get() = view.capacity()

    public operator fun get(index: Int): Long = view.get(index)

    /** A read-only view of the elements (no copy). */
    public fun longs(): LongBuffer = view.duplicate()

    /** A copy of every element. */
    public fun toLongArray(): LongArray = LongArray(size).also { view.duplicate().get(it) }
}

/** Read-only Doubles in shared memory. See [ReadOnlyData]. */
@Serializable(with = ReadOnlyDoubleArraySerializer::class)
public class ReadOnlyDoubleArray internal constructor(memory: SharedMemory) : ReadOnlyData(memory, HEADER, DOUBLES) {
    private val view: DoubleBuffer = buffer().asDoubleBuffer()

    public val size: Int get() = view.capacity()

    public operator fun get(index: Int): Double = view.get(index)

    /** A read-only view of the elements (no copy). */
    public fun doubles(): DoubleBuffer = view.duplicate()

    /** A copy of every element. */
    public fun toDoubleArray(): DoubleArray = DoubleArray(size).also { view.duplicate().get(it) }
}

/** [bytes], sealed in shared memory. */
public fun ReadOnlyBytes(bytes: ByteArray): ReadOnlyBytes =
    ReadOnlyBytes(ReadOnlyData.seal(ReadOnlyData.BYTES, bytes.size.toLong(), 1) { chunk, from, n -> chunk.put(bytes, from.toInt(), n) }, ReadOnlyData.HEADER)

/** [values], sealed in shared memory. */
public fun ReadOnlyIntArray(values: IntArray): ReadOnlyIntArray = ReadOnlyIntArray(values.size) { values[it] }

/** [size] Ints made by [init], written straight into the sealed memory (no array of them on the heap). */
public fun ReadOnlyIntArray(size: Int, init: (Int) -> Int): ReadOnlyIntArray =
    ReadOnlyIntArray(ReadOnlyData.seal(ReadOnlyData.INTS, size.toLong(), 4) { chunk, from, n -> for (i in from until from + n) chunk.putInt(init(i.toInt())) })

/** [values], sealed in shared memory. */
public fun ReadOnlyLongArray(values: LongArray): ReadOnlyLongArray = ReadOnlyLongArray(values.size) { values[it] }

/** [size] Longs made by [init], written straight into the sealed memory (no array of them on the heap). */
public fun ReadOnlyLongArray(size: Int, init: (Int) -> Long): ReadOnlyLongArray =
    ReadOnlyLongArray(ReadOnlyData.seal(ReadOnlyData.LONGS, size.toLong(), 8) { chunk, from, n -> for (i in from until from + n) chunk.putLong(init(i.toInt())) })

/** [values], sealed in shared memory. */
public fun ReadOnlyDoubleArray(values: DoubleArray): ReadOnlyDoubleArray = ReadOnlyDoubleArray(values.size) { values[it] }

/** [size] Doubles made by [init], written straight into the sealed memory (no array of them on the heap). */
public fun ReadOnlyDoubleArray(size: Int, init: (Int) -> Double): ReadOnlyDoubleArray =
    ReadOnlyDoubleArray(ReadOnlyData.seal(ReadOnlyData.DOUBLES, size.toLong(), 8) { chunk, from, n -> for (i in from until from + n) chunk.putDouble(init(i.toInt())) })

/** Read-only data crosses as a [ReadOnlyForm]; decoding maps the same pages, read-only. */
internal open class ReadOnlySerializer<T : ReadOnlyData>(serialName: String, private val kind: Int, private val open: (SharedMemory, Boolean) -> T) :
    HandleSerializer<T, ReadOnlyForm>(serialName, ReadOnlyForm.serializer()) {
    private val what = serialName.substringAfterLast('.')

    override fun carry(handle: T): ReadOnlyForm = handle.form()

    override fun rebuild(form: ReadOnlyForm): T {
        if (form.kind != kind) throw SerializationException("the data handed over is not a $what")
        val memory = try {
            SharedMemory.adoptReadOnly(form.data.fetch(what), form.file)
        } catch (e: dev.coproc.internal.os.OsException) {
            throw SerializationException("cannot map the $what handed over: ${e.message}", e)
        }
        // Sealed memory says what it holds in its first word: a handle of the wrong kind fails here.
        if (!form.file && memory.buffer().order(ByteOrder.nativeOrder()).getInt(0) != kind) {
            memory.close()
            throw SerializationException("the memory handed over does not hold a $what")
        }
        return open(memory, form.file)
    }
}

internal object ReadOnlyBytesSerializer :
    ReadOnlySerializer<ReadOnlyBytes>("dev.coproc.ReadOnlyBytes", ReadOnlyData.BYTES, { memory, file -> ReadOnlyBytes(memory, if (file) 0 else ReadOnlyData.HEADER) })

internal object ReadOnlyIntArraySerializer : ReadOnlySerializer<ReadOnlyIntArray>("dev.coproc.ReadOnlyIntArray", ReadOnlyData.INTS, { memory, _ -> ReadOnlyIntArray(memory) })

internal object ReadOnlyLongArraySerializer : ReadOnlySerializer<ReadOnlyLongArray>("dev.coproc.ReadOnlyLongArray", ReadOnlyData.LONGS, { memory, _ -> ReadOnlyLongArray(memory) })

internal object ReadOnlyDoubleArraySerializer :
    ReadOnlySerializer<ReadOnlyDoubleArray>("dev.coproc.ReadOnlyDoubleArray", ReadOnlyData.DOUBLES, { memory, _ -> ReadOnlyDoubleArray(memory) })
