package dev.coproc.worker

import java.util.concurrent.SynchronousQueue
import java.util.concurrent.ThreadPoolExecutor
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.locks.LockSupport

/**
 * Decides which thread reads the parent's commands. The reading thread runs each task itself, up to the
 * task's first suspension, so a short task costs no thread hand-off at all (waking another thread costs
 * tens of microseconds on an idle virtual CPU, more than the whole task). A task that keeps the thread
 * longer than [HAND_OVER_NANOS] without suspending gets the reading taken from it by a watchdog, which
 * starts [readLoop] on a fresh thread: a cancel, or the EOF of a dead parent, is still read beside a long
 * computation.
 *
 * The watchdog sleeps while commands are read; each task wakes it (an unpark, off the task's path) and it
 * wakes once more if the task is still inline at its hand-over time.
 */
internal class ReadingBaton(private val readLoop: () -> Unit) {
    /** Odd while the reading thread runs a task (its turn number), even while it reads. */
    private val turn = AtomicLong()

    /** When the current task became eligible for a hand-over; [Long.MAX_VALUE] until it is registered. */
    @Volatile
    private var inlineSince = Long.MAX_VALUE

    /** The thread that last ran a task inline: the reading thread at that time. */
    @Volatile
    private var inlineThread: Thread? = null

    @Volatile
    private var sleeping = false

    /**
     * Threads that take turns reading; idle ones wait a minute for the next turn. Not daemons, so that no
     * reading thread is ever a reason for the JVM to end (`main` never returns either: see WorkerMain).
     */
    private val readers = ThreadPoolExecutor(0, Int.MAX_VALUE, 60, TimeUnit.SECONDS, SynchronousQueue()) { runnable ->
        // Explicitly not a daemon: a new thread inherits the daemon status of its creator, here the watchdog.
        Thread(null, runnable, "coproc-commands", 256 * 1024).apply { isDaemon = false }
    }

    private val watchdog = Thread(::watch, "coproc-reading-watchdog").apply {
        isDaemon = true
        start()
    }

    /**
     * Runs [task] on this, the reading thread; [task] calls [mayHandOver] once a cancel can find it.
     *
     * @return whether this thread still holds the reading (false: another thread reads now; stop reading)
     */
    fun runInline(task: () -> Unit): Boolean {
        inlineSince = Long.MAX_VALUE
        inlineThread = Thread.currentThread()
        val mine = turn.incrementAndGet()
        if (sleeping) LockSupport.unpark(watchdog)
        task()
        return turn.compareAndSet(mine, mine + 1)
    }

    /**
     * The running task is registered: from now on the watchdog may pass the reading on. Ignored from any
     * other thread than the reading one (a queued task started by the end of the one before it).
     */
    fun mayHandOver() {
        if (Thread.currentThread() === inlineThread) inlineSince = System.nanoTime()
    }

    private fun watch() {
        while (true) {
            val seen = turn.get()
            val now = System.nanoTime()
            if (seen % 2 == 1L) {
                val since = inlineSince
                if (since != Long.MAX_VALUE && now - since >= HAND_OVER_NANOS) {
                    // The long task keeps this thread as its own; the reading goes on in a fresh one.
                    if (turn.compareAndSet(seen, seen + 1)) readers.execute(readLoop)
                    continue
                }
                LockSupport.parkNanos(this, if (since == Long.MAX_VALUE) HAND_OVER_NANOS else since + HAND_OVER_NANOS - now)
            } else {
                sleepUntilNextTask()
            }
        }
    }

    private fun sleepUntilNextTask() {
        sleeping = true
        // Pairs with [runInline]'s write of [turn] then read of [sleeping]: one of the two sees the other.
        if (turn.get() % 2 == 0L) LockSupport.park(this)
        sleeping = false
    }

    private companion object {
        const val HAND_OVER_NANOS = 2_000_000L
    }
}
