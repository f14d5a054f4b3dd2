package dev.coproc

import dev.coproc.java.JavaArray
import dev.coproc.java.JavaBarrier
import dev.coproc.java.JavaCommand
import dev.coproc.java.JavaCondition
import dev.coproc.java.JavaConnection
import dev.coproc.java.JavaDict
import dev.coproc.java.JavaEvent
import dev.coproc.java.JavaJoinableQueue
import dev.coproc.java.JavaList
import dev.coproc.java.JavaLock
import dev.coproc.java.JavaManager
import dev.coproc.java.JavaNamespace
import dev.coproc.java.JavaPool
import dev.coproc.java.JavaProcess
import dev.coproc.java.JavaQueue
import dev.coproc.java.JavaRLock
import dev.coproc.java.JavaSemaphore
import dev.coproc.java.JavaValue
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.kotest.matchers.string.shouldContain
import java.util.Optional

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

    test("a Kotlin object wrapped for Java code is the same object: its facade works on it and hands it back") {
        Lock().use { lock ->
            val java = JavaLock.wrap(lock)
            java.asKotlin() shouldBeSameInstanceAs lock
            java.withLock { lock.isLocked }.shouldBeTrue()
        }
        RLock().use { lock -> JavaRLock.wrap(lock).asKotlin() shouldBeSameInstanceAs lock }
        Condition().use { condition -> shouldThrow<IllegalArgumentException> { JavaRLock.wrap(condition) } }
        Condition().use { condition -> JavaCondition.wrap(condition).asKotlin() shouldBeSameInstanceAs condition }
        RLock().use { lock -> shouldThrow<IllegalArgumentException> { JavaCondition.wrap(lock) } }
        Semaphore(1).use { semaphore -> JavaSemaphore.wrap(semaphore).tryAcquire().shouldBeTrue() }
        Event().use { event ->
            JavaEvent.wrap(event).set()
            event.isSet.shouldBeTrue()
        }
        Barrier(1).use { barrier -> JavaBarrier.wrap(barrier).await() shouldBe 0 }
        JoinableQueue<Int>().use { queue ->
            val java = JavaJoinableQueue.wrap(queue)
            java.put(1)
            java.unfinished() shouldBe 1
        }
        Queue<Int>().use { queue -> shouldThrow<IllegalArgumentException> { JavaJoinableQueue.wrap(queue) } }
        JavaCommand.wrap(Command("echo", "wrapped")).run().stdoutText shouldBe "wrapped\n"
        val process = Process(Fail("never started"))
        JavaProcess.wrap(process).asKotlin() shouldBeSameInstanceAs process
        processPool(1) { JavaPool.wrap(this).asKotlin() shouldBeSameInstanceAs this }
    }

    test("a Kotlin manager's proxies wrapped for Java code") {
        Manager.start().use { manager ->
            val dict = manager.dict<String, Int>()
            JavaDict.wrap(dict).put("a", 1)
            dict.get("a") shouldBe 1
            val list = manager.list<String>()
            JavaList.wrap(list).add("x")
            list.snapshot() shouldBe listOf("x")
            val namespace = manager.namespace()
            JavaNamespace.wrap(namespace).set("n", Int::class.javaObjectType, 2)
            namespace.get<Int>("n") shouldBe 2
            val value = manager.value(7)
            JavaValue.wrap(value).get() shouldBe 7
            val array = manager.array(listOf(1, 2))
            JavaArray.wrap(array).get(1) shouldBe 2
            val joinable = manager.joinableQueue<String>()
            JavaJoinableQueue.wrap(joinable).put("job")
            joinable.get() shouldBe "job"
            val java = JavaManager.wrap(manager)
            java.manager() shouldBeSameInstanceAs manager
            java.dict(String::class.java, Int::class.javaObjectType).get("none") shouldBe Optional.empty()
        }
    }
})
