package dev.coproc

import io.kotest.core.spec.style.FunSpec

/** The [Pool] contract on the local engine: worker processes of this machine. */
class LocalPoolContractSpec : FunSpec({
    extension(Hygiene)
    timeout = 180_000

    include(
        poolContract("local pool") { taskTimeout, block ->
            processPool(PoolOptions.builder().workers(2).taskTimeout(taskTimeout).build()) { block(this) }
        },
    )
})
