package dev.coproc

import kotlin.contracts.ExperimentalContracts
import kotlin.contracts.InvocationKind
import kotlin.contracts.contract
import kotlin.time.Duration

/**
 * A lock whose holder is a coroutine, so that taking and letting go of it both suspend (they find out which
 * coroutine calls): the re-entrant locks [RLock] and [ManagedRLock], and the conditions [Condition] and
 * [ManagedCondition], whose lock it is. A lock held by a process rather than a coroutine is a [SharedLock].
 */
public interface CoroutineLock {
    /** Takes the lock for the calling coroutine, waiting up to [timeout]; false if it timed out. A cancelled wait takes nothing. */
    public suspend fun acquire(timeout: Duration = Duration.INFINITE): Boolean

    /**
     * Lets go of one level of the calling coroutine's holding.
     *
     * @throws IllegalStateException when the calling coroutine does not hold it
     */
    public suspend fun release()
}

/** Runs [action] holding the lock, releasing it (one level) however [action] ends. */
@OptIn(ExperimentalContracts::class)
public suspend inline fun <R> CoroutineLock.withLock(action: () -> R): R {
    contract { callsInPlace(action, InvocationKind.EXACTLY_ONCE) }
    acquire()
    try {
        return action()
    } finally {
        release()
    }
}

/** A re-entrant lock of either engine that has one, as the Java API's facade carries it: an [RLock] or a [ManagedRLock]. */
internal object SharedRLockSerializer : EngineSerializer<CoroutineLock>(
    "dev.coproc.SharedRLock", "re-entrant lock", RLock::class.java, RLockSerializer,
    managedClass = ManagedRLock::class.java, managed = ManagedRLockSerializer,
)

/** A condition of either engine: a [Condition] or a [ManagedCondition]. */
internal object SharedConditionSerializer : EngineSerializer<CoroutineLock>(
    "dev.coproc.SharedCondition", "condition", Condition::class.java, ConditionSerializer,
    managedClass = ManagedCondition::class.java, managed = ManagedCondition.serializer(),
)
