package dev.coproc

import io.kotest.core.spec.style.FunSpec

/** The shared-objects contract on the local engine: shared memory, and worker processes of this machine. */
class LocalSharedObjectsContractSpec : FunSpec({
    extension(Hygiene)
    timeout = 180_000

    include(
        sharedObjectsContract("local") { block ->
            val made = mutableListOf<AutoCloseable>()
            val objects = object : SharedObjectMaker {
                override suspend fun counter(initial: Long) = SharedLong(initial).also { made += it }
                override suspend fun lock() = Lock().also { made += it }
                override suspend fun semaphore(permits: Int) = Semaphore(permits.toLong()).also { made += it }
                override suspend fun queue(capacity: Int) = Queue<Int>(capacity).also { made += it }
                override suspend fun event() = Event().also { made += it }
                override suspend fun barrier(parties: Int) = Barrier(parties).also { made += it }
            }
            try {
                processPool(PoolOptions.builder().workers(2).build()) { block(objects, this) }
            } finally {
                made.forEach { it.close() }
            }
        },
    )
})
