package dev.coproc

import io.kotest.core.spec.style.FunSpec

/**
 * The shared-objects contract on the manager engine: a manager's lock, semaphore, queue, event and barrier,
 * used by worker processes of this machine. A manager has no counter of its own (Python's has none either),
 * so the tests count with local ones.
 */
class ManagerSharedObjectsContractSpec : FunSpec({
    extension(Hygiene)
    timeout = 180_000

    include(
        sharedObjectsContract("manager", hasCounter = false) { block ->
            val counters = mutableListOf<AutoCloseable>()
            try {
                manager {
                    val manager = this
                    val objects = object : SharedObjectMaker {
                        override suspend fun counter(initial: Long) = SharedLong(initial).also { counters += it }
                        override suspend fun lock() = manager.lock()
                        override suspend fun semaphore(permits: Int) = manager.semaphore(permits)
                        override suspend fun queue(capacity: Int) = manager.queue<Int>(capacity)
                        override suspend fun event() = manager.event()
                        override suspend fun barrier(parties: Int) = manager.barrier(parties)
                    }
                    processPool(PoolOptions.builder().workers(2).build()) { block(objects, this) }
                }
            } finally {
                counters.forEach { it.close() }
            }
        },
    )
})
