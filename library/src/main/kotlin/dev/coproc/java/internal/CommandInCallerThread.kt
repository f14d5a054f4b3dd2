package dev.coproc.java.internal

import dev.coproc.Command
import dev.coproc.CommandInput
import dev.coproc.CommandOutput
import dev.coproc.CommandResult
import dev.coproc.CommandTimeoutException
import dev.coproc.RunningCommand
import dev.coproc.internal.os.Fd
import dev.coproc.internal.os.FdPoller
import dev.coproc.internal.os.OsException
import dev.coproc.internal.os.PollSet
import dev.coproc.internal.os.Reaper
import dev.coproc.internal.os.UnixSocket
import dev.coproc.os.ExitStatus
import dev.coproc.os.Signals
import java.io.ByteArrayOutputStream
import java.io.IOException
import java.util.concurrent.ExecutionException
import kotlinx.coroutines.runBlocking

/**
 * `JavaCommand.run()` on the caller's own thread, as Python's `subprocess.run` does: one `poll(2)` over the
 * command's pipes and a pidfd of its exit. The command's end then wakes the caller once, where the suspending
 * [Command.run] needs the poller's thread woken first and the caller's after it (on a 2-vCPU VM, 0.3 to 0.5 ms
 * of a 2 ms `/bin/true`). Commands whose input is a [CommandInput.Stream] or that keep a pipe for the caller,
 * and calls on a virtual thread, take the suspending way ([canRun]).
 */
internal object CommandInCallerThread {
    /**
     * The longest one `poll` waits: a Java interrupt does not wake `poll(2)`, so the thread looks at its interrupt
     * flag this often (an interrupt is honoured within this time).
     */
    private const val INTERRUPT_CHECK_MILLIS = 10
    private const val CHUNK = 64 * 1024
    private const val DRAIN_CHUNKS = 16

    /**
     * Whether [run] serves these settings on this thread. Not on a virtual thread (Java 21+): `poll(2)` would hold
     * its carrier for the whole run, where the suspending way parks it.
     */
    fun canRun(settings: Command.Settings): Boolean =
        settings.stdin !is CommandInput.Stream && settings.stdin != CommandInput.Pipe &&
            settings.stdout != CommandOutput.Pipe && settings.stderr != CommandOutput.Pipe && !isVirtualThread()

    /** `Thread.isVirtual()`, which Java 17 does not have. */
    private val IS_VIRTUAL = runCatching { Thread::class.java.getMethod("isVirtual") }.getOrNull()

    private fun isVirtualThread(): Boolean = IS_VIRTUAL?.invoke(Thread.currentThread()) == true

    @Throws(InterruptedException::class)
    fun run(command: Command): CommandResult {
        // As the suspending call on an interrupted thread: nothing is started.
        if (Thread.interrupted()) throw InterruptedException()
        val settings = command.settings
        return RunningCommand.spawn(command, waitInCaller = true).use { running ->
            val pid = running.pid.toInt()
            try {
                val exitFd = Reaper.get().exitDescriptor(pid)
                if (exitFd == null) {
                    // No pidfds here (Linux before 5.3): a thread reaps it, and the suspending way serves it.
                    runBlocking { RunningCommand.toEnd(running, settings) }
                } else {
                    exitFd.use { Run(running, settings, it).toEnd() }
                }
            } catch (e: Throwable) {
                // Failed before its end (a pipe error): the poller's thread reaps it once closing kills it.
                if (!running.exit.isDone) runCatching { Reaper.get().watch(pid) }.exceptionOrNull()?.let(e::addSuppressed)
                throw e
            }
        }
    }

    /** One command's pipes and exit, served by [poll] until it has ended and its captured outputs are closed. */
    private class Run(private val running: RunningCommand, private val settings: Command.Settings, private val exitFd: Fd) {
        private val pid = running.pid.toInt()
        private val stdout = captured(settings.stdout, running.stdoutPipe?.fd)
        private val stderr = captured(settings.stderr, running.stderrPipe?.fd)
        private val outputs = listOfNotNull(stdout, stderr)
        private var input: ByteArray? = when (val stdin = settings.stdin) {
            is CommandInput.Bytes -> stdin.bytes
            is CommandInput.Text -> stdin.text.encodeToByteArray()
            else -> null
        }
        private var written = 0
        private var status: ExitStatus? = null
        private val buffer = if (outputs.isEmpty()) EMPTY else ByteArray(CHUNK)
        private val polling = PollSet(4)
        /** What each entry of [polling] stands for: an [Output], [INPUT] or [EXIT]. */
        private val polled = arrayOfNulls<Any>(4)

        init {
            if (input == null) running.closeStdin() else if (input!!.isEmpty()) finishInput()
        }

        fun toEnd(): CommandResult {
            try {
                val timeout = Deadline(settings.timeout.takeUnless { it.isInfinite() }?.inWholeNanoseconds)
                while (status == null) {
                    if (timeout.passed()) timedOut()
                    poll(timeout, interruptible = true)
                }
                // As the suspending way: the input is fed to its end (or until nobody reads it), the captures
                // read to theirs, whoever holds the pipes now.
                while (input != null || outputs.any { it.open }) poll(NEVER, interruptible = true)
            } catch (e: InterruptedException) {
                running.killGroup()
                while (status == null) poll(NEVER, interruptible = false)
                throw e
            }
            val result = CommandResult(running.argv, status!!, stdout?.bytes() ?: EMPTY, stderr?.bytes() ?: EMPTY)
            if (settings.check) result.checkSuccess()
            return result
        }

        /** SIGTERM to the group, SIGKILL after the grace, a last SIGKILL for what it started; then what it wrote. */
        private fun timedOut(): Nothing {
            runCatching { Signals.sendToGroup(running.pid, Signals.SIGTERM) }
            val grace = Deadline(settings.terminateGrace.inWholeNanoseconds)
            while (status == null && !grace.passed()) poll(grace, interruptible = false)
            if (status == null) running.killGroup()
            while (status == null) poll(NEVER, interruptible = false)
            running.killGroup()
            finishInput()
            val partial = Deadline(RunningCommand.PARTIAL_OUTPUT_WAIT.inWholeNanoseconds)
            while (outputs.any { it.open } && !partial.passed()) poll(partial, interruptible = false)
            throw CommandTimeoutException(running.argv, settings.timeout, stdout?.bytes() ?: EMPTY, stderr?.bytes() ?: EMPTY)
        }

        /** One `poll(2)` of what is still open, until [deadline] at most, and whatever it found ready served. */
        private fun poll(deadline: Deadline, interruptible: Boolean) {
            polling.clear()
            for (output in outputs) if (output.open) polled[polling.add(output.fd, FdPoller.READABLE)] = output
            if (input != null) polled[polling.add(running.stdinPipe!!.fd, FdPoller.WRITABLE)] = INPUT
            if (status == null) polled[polling.add(exitFd, FdPoller.READABLE)] = EXIT
            val timeout = deadline.millisLeft().coerceIn(0, INTERRUPT_CHECK_MILLIS.toLong()).toInt()
            val ready = try {
                polling.poll(timeout)
            } catch (e: OsException) {
                throw IOException("poll of a command's pipes failed: ${e.message}", e)
            }
            if (ready) {
                for (i in polled.indices) {
                    val what = polled[i] ?: break
                    if (!polling.isReady(i)) continue
                    when (what) {
                        INPUT -> feed()
                        EXIT -> if (Reaper.get().reapIfEnded(pid)) status = exitStatus()
                        else -> (what as Output).drain()
                    }
                }
            }
            polled.fill(null)
            if (interruptible && Thread.interrupted()) throw InterruptedException()
        }

        /** The status the reaper got; at once, unless its thread is completing it this moment. */
        private fun exitStatus(): ExitStatus = try {
            running.exit.get()
        } catch (e: ExecutionException) {
            throw e.cause ?: e
        }

        /** Writes what the pipe takes now; at the end of the input, or when the command closed it, closes ours. */
        private fun feed() {
            val bytes = input ?: return
            try {
                while (written < bytes.size) {
                    val n = running.stdinPipe!!.fd.writeNow(bytes, written, bytes.size - written)
                    if (n == UnixSocket.WOULD_BLOCK) return
                    written += n
                }
            } catch (e: OsException) {
                // The command closed its input before reading it all (EPIPE): as Python's communicate(), and as the
                // suspending way, not an error.
            }
            finishInput()
        }

        private fun finishInput() {
            input = null
            running.closeStdin()
        }

        private fun captured(output: CommandOutput, fd: Fd?): Output? = if (output == CommandOutput.Capture) Output(fd!!) else null

        /** A captured output: what came so far, and whether the pipe is still open. */
        private inner class Output(val fd: Fd) {
            private val collected = ByteArrayOutputStream()
            var open = true
                private set

            /** Reads what is there, at most [DRAIN_CHUNKS] chunks: a flood must not hold off the exit, a timeout or an interrupt. */
            fun drain() {
                repeat(DRAIN_CHUNKS) {
                    if (!open) return
                    val n = try {
                        fd.readNow(buffer, 0, buffer.size)
                    } catch (e: OsException) {
                        throw IOException("read from a command's pipe failed: ${e.message}", e)
                    }
                    when {
                        n > 0 -> collected.write(buffer, 0, n)
                        n == 0 -> open = false
                        else -> return
                    }
                }
            }

            fun bytes(): ByteArray = collected.toByteArray()
        }
    }

    /**
     * [nanos] from now, or never when null: measured as time elapsed since now, which neither a negative
     * `nanoTime` nor a timeout of years can overflow.
     */
    private class Deadline(private val nanos: Long?) {
        private val start = System.nanoTime()

        fun passed(): Boolean = nanos != null && System.nanoTime() - start >= nanos

        /** Milliseconds left, rounded up; [Long.MAX_VALUE] for never. */
        fun millisLeft(): Long {
            if (nanos == null) return Long.MAX_VALUE
            val left = (nanos - (System.nanoTime() - start)).coerceAtLeast(0)
            return left / 1_000_000 + if (left % 1_000_000 > 0) 1 else 0
        }
    }

    private val NEVER = Deadline(null)
    private val EMPTY = ByteArray(0)
    private val INPUT = Any()
    private val EXIT = Any()
}
