package dev.coproc.cluster

import dev.coproc.internal.wire.Handshake
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.string.shouldContain

/** A cluster job checks what no hello checks on the cluster path: that its caller speaks this node's protocol. */
class ClusterJobSpec : FunSpec({
    test("a job from a caller of another coproc version is refused, naming both versions, before its bytes are read") {
        val mine = Handshake.PROTOCOL_VERSION
        val error = shouldThrow<IllegalStateException> { ClusterJob(byteArrayOf(1, 2, 3), protocol = mine + 1).call() }
        error.message shouldContain "speaks coproc protocol $mine, the caller ${mine + 1}"
    }
})
