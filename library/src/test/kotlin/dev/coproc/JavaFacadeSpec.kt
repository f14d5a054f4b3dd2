package dev.coproc

import dev.coproc.java.JavaConnection
import dev.coproc.java.JavaQueue
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.string.shouldContain

/**
 * The Java facades over objects Kotlin made: a Java queue or pipe end travels as its record component declares
 * its items, never null, so one whose items are nullable (encoded otherwise) is refused instead of garbling them.
 */
class JavaFacadeSpec : FunSpec({
    extension(Hygiene)

    test("wrapping a Kotlin queue or pipe end of nullable items is refused, of plain items accepted") {
        Queue<String?>().use { nullable ->
            shouldThrow<IllegalArgumentException> { JavaQueue.wrap(nullable) }.message shouldContain "never null"
        }
        Queue<String>().use { plain -> JavaQueue.wrap(plain).put("ok") }
        val (a, b) = Pipe<Int?>()
        a.use { b.use { shouldThrow<IllegalArgumentException> { JavaConnection.wrap(a) }.message shouldContain "never null" } }
        val (c, d) = Pipe<Int>()
        c.use { d.use { JavaConnection.wrap(c).canSend() } }
    }
})
