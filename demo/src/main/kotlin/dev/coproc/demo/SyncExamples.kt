package dev.coproc.demo

import dev.coproc.Barrier
import dev.coproc.Event
import dev.coproc.Lock
import dev.coproc.Process
import dev.coproc.Semaphore
import dev.coproc.SharedDouble
import dev.coproc.SharedInt
import dev.coproc.SharedIntArray
import dev.coproc.Task
import dev.coproc.currentProcess
import dev.coproc.withLock
import dev.coproc.withPermit
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.delay
import kotlinx.serialization.Serializable

/**
 * The seeds' ticket buyer. Without a lock, the seed relies on a network delay to let every buyer read "1
 * left" before anybody writes; here a barrier makes that interleaving certain. With the lock, reading and
 * writing the count is one step, and exactly one buyer gets the ticket.
 */
@Serializable
class BuyTicket(val tickets: SharedInt, val lock: Lock?, val everyoneRead: Barrier?) : Task<Boolean> {
    override suspend fun run(): Boolean {
        val pid = currentProcess().pid
        suspend fun buy(): Boolean {
            val left = tickets.value
            println("$pid sees $left ticket(s) left")
            everyoneRead?.wait()
            if (left <= 0) {
                println("$pid: sorry, sold out")
                return false
            }
            tickets.value = left - 1
            println("$pid bought a ticket")
            return true
        }
        return if (lock != null) lock.withLock { buy() } else buy()
    }
}

/** The seeds' ticket race: three buyers, one ticket, without and then with a lock. */
object TicketRace {
    suspend fun run() {
        SharedInt(1).use { tickets ->
            Barrier(3).use { everyoneRead ->
                println("-- without a lock --")
                val buyers = List(3) { Process(BuyTicket(tickets, null, everyoneRead)).also { it.start() } }
                val sold = buyers.count { it.await().also { _ -> it.join() } }
                println("$sold buyers think they got the one ticket; tickets left: ${tickets.value}")
            }
            tickets.value = 1
            Lock().use { lock ->
                println("-- with a lock --")
                val buyers = List(3) { Process(BuyTicket(tickets, lock, null)).also { it.start() } }
                val sold = buyers.count { it.await().also { _ -> it.join() } }
                println("$sold buyer got the one ticket; tickets left: ${tickets.value}")
            }
        }
    }
}

/** Prints its two lines under the lock: another process's lines never come in between. */
@Serializable
class PrintUnderLock(val n: Int, val lock: Lock) : Task<Unit> {
    override suspend fun run() = lock.withLock {
        println("$n: ${currentProcess().pid} is running")
        delay(100)
        println("$n: ${currentProcess().pid} is done")
    }
}

/** The seeds' five processes printing under one lock. */
object LockPrinting {
    suspend fun run() = Lock().use { lock ->
        val workers = List(5) { Process(PrintUnderLock(it, lock)).also { p -> p.start() } }
        workers.forEach { it.join() }
    }
}

/** Holds one of the semaphore's permits for a while. */
@Serializable
class UsePermit(val name: String, val semaphore: Semaphore) : Task<Unit> {
    override suspend fun run() = semaphore.withPermit {
        println("$name acquire")
        delay(300)
        println("$name release")
    }
}

/** The seeds' Semaphore(2): five processes, at most two inside at a time. */
object SemaphoreTwo {
    suspend fun run() = Semaphore(2).use { semaphore ->
        val workers = List(5) { Process(UsePermit("Process-${it + 1}", semaphore)).also { p -> p.start() } }
        workers.forEach { it.join() }
    }
}

/** The seeds' `wait_for_event` (no timeout) and `wait_for_event_timeout`. */
@Serializable
class WaitEvent(val name: String, val event: Event, val timeoutMillis: Long?) : Task<Unit> {
    override suspend fun run() {
        println("$name: starting")
        if (timeoutMillis == null) event.wait() else event.wait(timeoutMillis.milliseconds)
        println("$name: event.isSet -> ${event.isSet}")
    }
}

/** The seeds' Event example: one waiter without a timeout, one with; the main process sets the event late. */
object EventExample {
    suspend fun run() = Event().use { event ->
        val blocking = Process(WaitEvent("wait_for_event", event, null)).also { it.start() }
        val timed = Process(WaitEvent("wait_for_event_timeout", event, 500)).also { it.start() }
        timed.join() // its wait times out: the event is not set yet
        println("main: setting the event")
        event.set()
        blocking.join()
    }
}

/** The seeds' barrier action, `openFun`: runs once per round, in the last party's process. */
@Serializable
class BarrierOpened : Task<Unit> {
    override suspend fun run() = println("barrier opened (in ${currentProcess().pid})")
}

/** Waits at the barrier, then "runs". */
@Serializable
class WaitAtGate(val n: Int, val barrier: Barrier) : Task<Unit> {
    override suspend fun run() {
        println("$n waiting for open")
        barrier.wait()
        println("$n running")
    }
}

/** The seeds' Barrier(5, openFun) with ten processes started one by one: released in two groups of five. */
object BarrierExample {
    suspend fun run() = Barrier(5, BarrierOpened()).use { barrier ->
        val workers = List(10) { n ->
            delay(150)
            Process(WaitAtGate(n, barrier)).also { it.start() }
        }
        workers.forEach { it.join() }
    }
}

/** The seeds' `func(n, a)`: `n.value = 3.14; a[1] = 9999`. */
@Serializable
class SetValueAndElement(val number: SharedDouble, val array: SharedIntArray) : Task<Unit> {
    override suspend fun run() {
        number.value = 3.14
        array[1] = 9999
    }
}

/** The seeds' Value('d', 0.0) and Array('i', range(10)), modified by a child and read by the parent. */
object ValueAndArray {
    suspend fun run() = SharedDouble(0.0).use { number ->
        SharedIntArray(IntArray(10) { it }).use { array ->
            println(array.toIntArray().toList())
            Process(SetValueAndElement(number, array)).also { it.start() }.join()
            println(number.value)
            println(array.toIntArray().toList())
        }
    }
}
