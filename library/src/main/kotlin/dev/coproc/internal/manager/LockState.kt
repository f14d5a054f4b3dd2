package dev.coproc.internal.manager

/**
 * A lock in the manager; [reentrant]: an RLock, held by one holder (a coroutine or thread of a process) any
 * number of times. A lock whose holder's process went away is free again, and its next holder learns it.
 */
internal class LockState(private val reentrant: Boolean) : ObjectState {
    /** A holder: a process ([session]) and, for an RLock, which of its coroutines or threads ([holder]). */
    private data class Holder(val session: ManagerSession, val holder: Long)

    private var owner: Holder? = null
    private var depth = 0
    private var ownerDied = false
    private val waiters = WaitList<Boolean>()
    private val kind = if (reentrant) "rlock" else "lock"

    override suspend fun call(method: String, args: List<ByteArray>, session: ManagerSession): List<ByteArray> {
        val who = Holder(session, if (reentrant) ManagerWire.long(args[0]) else 0)
        return when (method) {
            // args: holder, timeout in ms; answers whether it was taken, and whether its last holder died holding it
            "acquire" -> acquire(who, ManagerWire.long(args[1])).let { died ->
                listOf(ManagerWire.of(died != null), ManagerWire.of(died == true))
            }
            "release" -> emptyList<ByteArray>().also { release(who) }
            "holdCount" -> listOf(ManagerWire.of(if (owner == who) depth else 0))
            "isLocked" -> listOf(ManagerWire.of(owner != null))
            else -> noSuchMethod("a $kind", method)
        }
    }

    /** Null if not taken in time; else whether the previous holder died holding it. */
    suspend fun acquire(who: Any, timeoutMillis: Long, depth: Int = 1): Boolean? {
        who as Holder
        val current = owner
        if (current == null) return take(who, depth, ownerDied)
        if (reentrant && current == who) {
            this.depth += depth
            return false
        }
        if (timeoutMillis == 0L) return null
        return waiters.await(timeoutMillis, who to depth)
    }

    private fun take(who: Holder, depth: Int, died: Boolean): Boolean {
        owner = who
        this.depth = depth
        ownerDied = false
        return died
    }

    fun release(who: Any) {
        if (owner != who) throw ManagedStateException("release() of a $kind that this ${if (reentrant) "holder" else "process"} does not hold")
        if (--depth == 0) passOn(died = false)
    }

    /** For a condition's wait: lets go of every level [who] holds; returns how many, to take back after. */
    fun releaseAll(who: Any): Int {
        if (owner != who) throw ManagedStateException("wait() on a condition whose lock the caller does not hold")
        val held = depth
        passOn(died = false)
        return held
    }

    fun holds(who: Any): Boolean = owner == who

    fun holderOf(session: ManagerSession, args: List<ByteArray>): Any = Holder(session, if (reentrant) ManagerWire.long(args[0]) else 0)

    private fun passOn(died: Boolean) {
        owner = null
        depth = 0
        @Suppress("UNCHECKED_CAST")
        if (!waiters.wakeOne { next -> (next as Pair<Holder, Int>).let { (who, depth) -> take(who, depth, died) } }) ownerDied = died
    }

    override fun ended(session: ManagerSession) {
        if (owner?.session == session) passOn(died = true)
    }
}
