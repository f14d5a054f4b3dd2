package dev.coproc.it.floor

import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/** coproc's Kotlin API, used from code compiled by the Kotlin 2.2 compiler and run on the 2.2 standard library. */
class KotlinFloorTest {
    @Test
    fun `the standard library is the old one`() {
        assertEquals("2.2.21", KotlinVersion.CURRENT.toString())
    }

    @Test
    fun `a pool maps and a queue carries items between processes`() = runBlocking {
        val results = withTimeout(60.seconds) { FloorApp.run() }
        assertEquals((1..10).map { it * it }, results.squares)
        assertEquals(5050, results.queued)
        assertEquals(0, results.producerExit)
    }
}
