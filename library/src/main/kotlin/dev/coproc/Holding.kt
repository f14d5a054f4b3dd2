package dev.coproc

/**
 * The body every `withLock` and `withPermit` shares: [take], then [action], then [giveBack] however
 * [action] ends. Each public one adds its `callsInPlace` contract and its receiver's calls.
 */
@PublishedApi
internal suspend inline fun <R> holding(take: () -> Unit, giveBack: () -> Unit, action: () -> R): R {
    take()
    try {
        return action()
    } finally {
        giveBack()
    }
}
