package dev.coproc

import dev.coproc.internal.codec.TaskTypeException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** Set by [Tripwire]'s static initializer: a class named on the wire must not even be initialized. */
@Volatile
var tripwireInitialized = false

/** A task class that is not declared for travel (no @Serializable), with a static initializer that would run. */
class Tripwire : Task<Int> {
    override suspend fun run(): Int = 0

    companion object {
        init {
            tripwireInitialized = true
        }
    }
}

/**
 * What a worker decodes when the parent names a type: only a declared task (a `@Serializable` [Task], a record
 * implementing [BlockingTask]) or map function; any other class is refused before it is initialized.
 */
class TaskTypesSpec : FunSpec({
    test("a task type named on the wire that is not a declared task is refused, saying why") {
        val refusals = mapOf(
            "java.util.ArrayList" to "does not implement",
            "java.lang.ProcessBuilder" to "does not implement",
            "dev.coproc.java.RecordTaskTest\$Point" to "does not implement",
            "dev.coproc.java.RecordTaskTest\$NotARecord" to "is not a record",
            "dev.coproc.Tripwire" to "is not @Serializable",
            "no.such.Type" to "not on this process's classpath",
        )
        for ((name, why) in refusals) {
            shouldThrow<TaskTypeException> { TaskCodec.resolve(name) }.message shouldContain why
        }
        tripwireInitialized shouldBe false
    }

    test("a map function type named on the wire that is not a declared function is refused") {
        for (name in listOf("java.util.HashMap", "dev.coproc.java.RecordTaskTest\$Square", "dev.coproc.Tripwire")) {
            shouldThrow<TaskTypeException> { MapFunctions.resolve(name) }
        }
        tripwireInitialized shouldBe false
    }

    test("a declared record task and function resolve, with their results' serializers from their declarations") {
        TaskCodec.resolve("dev.coproc.java.RecordTaskTest\$Square").descriptor.serialName shouldBe "dev.coproc.java.RecordTaskTest\$Square"
        TaskCodec.resultSerializer(Class.forName("dev.coproc.java.RecordTaskTest\$Square")).descriptor.serialName shouldBe "kotlin.Int?"
        MapFunctions.resolve("dev.coproc.java.RecordTaskTest\$Scale").type.simpleName shouldBe "Scale"
    }
})
