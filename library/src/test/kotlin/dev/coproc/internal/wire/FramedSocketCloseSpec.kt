package dev.coproc.internal.wire

import dev.coproc.internal.os.UnixSocket
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.withTimeout

/** The socket under every pipe and worker channel, closed while a coroutine starts to wait on it. */
class FramedSocketCloseSpec : FunSpec({
    timeout = 120_000

    test("a wait that races close() ends with Closed, never with an error of the descriptor close() freed") {
        val outcomes = HashMap<String, Int>()
        repeat(3_000) {
            val (mine, theirs) = UnixSocket.pair()
            val framed = FramedSocket(mine)
            try {
                val waiting = async(Dispatchers.Default) {
                    runCatching { framed.awaitReadable() }.exceptionOrNull()
                }
                framed.close()
                val error = withTimeout(10.seconds) { waiting.await() }
                outcomes.merge(error?.javaClass?.simpleName ?: "ready", 1, Int::plus)
            } finally {
                framed.close()
                theirs.close()
            }
        }
        // Nothing is written, so each wait ends by the close: as Closed, whether it began before, during or after.
        outcomes.keys shouldBe setOf("Closed")
    }
})
