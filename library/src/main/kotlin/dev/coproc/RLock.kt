package dev.coproc

import dev.coproc.internal.shm.RobustLock
import dev.coproc.internal.shm.SharedSegment
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.coroutineContext
import kotlin.time.Duration
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.serialization.Serializable

/**
 * A re-entrant lock shared by every process holding it: Python's `multiprocessing.RLock`. Its holder may
 * acquire it again; it is free once released as many times as it was acquired.
 *
 * The holder is a coroutine (its [Job]) for the suspending calls, and a thread for the `...Blocking` calls
 * Java uses: a coroutine that acquires it must release it itself, and a child coroutine is another holder
 * (it waits, as another thread would). Between processes it is a [Lock], with the same guarantee: a process
 * that dies holding it does not leave it locked, and the next holder finds [previousOwnerDied] true.
 */
@Serializable(with = RLockSerializer::class)
public class RLock internal constructor(segment: SharedSegment) : SharedObject(segment), CoroutineLock {
    private val lock = Lock(segment)
    @Volatile private var holder: Any? = null
    private var depth = 0

    /** True while any process holds it (a snapshot). */
    public val isLocked: Boolean get() = lock.isLocked

    /** The pid of the process holding it now, or null. */
    public val ownerPid: Long? get() = lock.ownerPid

    /** For the holder: true when the holding began by taking the lock over from a process that died holding it. */
    public val previousOwnerDied: Boolean get() = lock.previousOwnerDied

    /** How many times the calling coroutine holds it now (0 if another holder, or nobody, does). */
    public suspend fun holdCount(): Int = if (holder === currentHolder()) depth else 0

    /** Acquires it (again, if this coroutine holds it), waiting up to [timeout]; false if it timed out. */
    override suspend fun acquire(timeout: Duration): Boolean = acquireAs(currentHolder(), timeout)

    /**
     * Releases one level of this coroutine's holding; the last one frees it for other holders.
     *
     * @throws IllegalStateException when this coroutine does not hold it, as Python's RuntimeError
     */
    override suspend fun release(): Unit = releaseAs(currentHolder())

    /** Acquires it for the calling thread, blocking up to [timeout] (null: no limit): what the Java facades call, a futex wait rather than a coroutine. */
    @Throws(InterruptedException::class)
    @JvmSynthetic
    internal fun acquireBlocking(timeout: java.time.Duration? = null): Boolean {
        val thread = Thread.currentThread()
        if (reenter(thread)) return true
        if (!lock.acquireBlocking(timeout)) return false
        take(thread)
        return true
    }

    /** Releases one level of the calling thread's holding (taken with [acquireBlocking]). */
    @JvmSynthetic
    internal fun releaseBlocking(): Unit = releaseAs(Thread.currentThread())

    internal suspend fun acquireAs(who: Any, timeout: Duration): Boolean {
        checkOpen()
        if (reenter(who)) return true
        if (!lock.acquire(timeout)) return false
        take(who)
        return true
    }

    internal fun releaseAs(who: Any) {
        checkOpen()
        check(holder === who && lock.word.isHeldHere) { "release() of an RLock by a holder that does not hold it" }
        if (--depth == 0) {
            holder = null
            lock.release()
        }
    }

    /** For a condition's wait: frees it entirely, returning the depth to [restore]. */
    internal val isHeldHere: Boolean get() = lock.word.isHeldHere

    internal fun releaseAll(who: Any): Int {
        check(holder === who && lock.word.isHeldHere) { "wait() on a Condition whose RLock the caller does not hold" }
        val saved = depth
        depth = 0
        holder = null
        lock.release()
        return saved
    }

    internal fun restore(who: Any, saved: Int) {
        take(who)
        depth = saved
    }

    private fun reenter(who: Any): Boolean {
        if (holder !== who || !lock.word.isHeldHere) return false
        depth++
        return true
    }

    private fun take(who: Any) {
        holder = who
        depth = 1
    }

    override fun close() {
        lock.close()
        super.close()
    }

    override fun toString(): String = "RLock(" + (ownerPid?.let { "held by pid $it" } ?: "free") + ")"

    internal companion object {
        const val KIND = 0x4350524c // "CPRL"
        const val BYTES = Lock.OFFSET + RobustLock.BYTES

        /**
         * The holder of the suspending calls: the coroutine, or the thread where there is no Job. Scoping
         * functions (`coroutineScope`, `withContext`, `withTimeout`...) run in their caller's flow, one step
         * after the other, so they count as their caller: `withTimeout(1.seconds) { lock.acquire() }` then
         * `lock.release()` is one holder. A launched or async coroutine runs beside its parent: another holder.
         * A blocking call of the Java API names its thread ([ThreadHolder]), whatever coroutine it runs in.
         */
        @OptIn(ExperimentalCoroutinesApi::class)
        suspend fun currentHolder(): Any {
            coroutineContext[ThreadHolder]?.let { return it.thread }
            var job = coroutineContext[Job] ?: return Thread.currentThread()
            while (scopeCoroutine?.isInstance(job) == true) job = job.parent ?: break
            return job
        }

        /** kotlinx-coroutines' base class of the scoping functions' coroutines (internal there, stable since 1.3). */
        private val scopeCoroutine: Class<*>? = runCatching { Class.forName("kotlinx.coroutines.internal.ScopeCoroutine") }.getOrNull()
    }
}

/**
 * Makes [thread] the holder of the re-entrant locks and conditions taken in this context: the Java API's blocking
 * calls each run in a coroutine of their own, and the thread that made them, not that coroutine, holds the lock.
 */
internal class ThreadHolder(val thread: Thread) : AbstractCoroutineContextElement(ThreadHolder) {
    companion object Key : CoroutineContext.Key<ThreadHolder>
}

/** A new re-entrant lock, free; see [RLock]. */
public fun RLock(): RLock = RLock(SharedSegment.create("rlock", RLock.KIND, RLock.BYTES.toLong()))

internal object RLockSerializer : SharedObjectSerializer<RLock>("dev.coproc.RLock", RLock.KIND, "re-entrant lock", { RLock(it) })
