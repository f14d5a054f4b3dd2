package dev.coproc

import dev.coproc.internal.codec.EncodedTask
import dev.coproc.internal.codec.FromWorker
import dev.coproc.internal.codec.ToWorker
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.handles.Leases
import dev.coproc.internal.channel.WorkerChannel
import dev.coproc.internal.channel.WorkerFailure
import dev.coproc.internal.awaitResult
import dev.coproc.os.ExitStatus
import dev.coproc.os.Signals
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionException
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull

/**
 * A task running in its own worker JVM: Python's `multiprocessing.Process`.
 *
 * Give it a [Task] as target, or subclass it, make the subclass `@Serializable` and override [run]:
 * ```
 * val p = Process(Square(7)).also { it.start() }
 * p.await()        // 49
 * p.exitCode       // 0
 *
 * @Serializable
 * class Clock(val ticks: Int) : Process<Unit>() {
 *     override suspend fun run() = repeat(ticks) { println(now()); delay(1000) }
 * }
 * ```
 * [join] and [await] suspend without blocking a thread. Cancelling a coroutine suspended in either terminates
 * the child: SIGTERM (which cancels the task's coroutine there), then SIGKILL after
 * [WorkerOptions.terminateGrace]. The child is reaped whether or not anyone joins it, and it exits by itself
 * when this JVM dies.
 */
public open class Process<R>() : Task<R>, AutoCloseable {
    /**
     * A process that will run [target] in a child JVM.
     *
     * @param name shown in logs and in the child's [currentProcess]; `Process-N` by default
     * @param daemon see [Process.daemon]
     */
    @JvmOverloads
    public constructor(
        target: Task<R>,
        name: String? = null,
        daemon: Boolean = false,
        options: WorkerOptions = WorkerOptions.DEFAULT,
    ) : this() {
        this.target = target
        name?.let { this.name = it }
        this.daemon = daemon
        this.options = options
    }

    /** For subclasses that override [run] and want a name (a `@Serializable` subclass needs the no-arg one). */
    protected constructor(name: String, daemon: Boolean) : this() {
        this.name = name
        this.daemon = daemon
    }

    private var target: Task<R>? = null
    private val lock = Any()
    private val outcome = CompletableFuture<Any?>()
    private val exitFuture = CompletableFuture<ExitStatus>()

    /** Completes when the child has decoded the task and begun running it. */
    internal val running = CompletableFuture<Unit>()

    @Volatile
    private var connection: WorkerChannel? = null

    @Volatile
    private var closed = false

    /** The process's name (default `Process-N`); the child sees it in [currentProcess]. */
    @Volatile
    public var name: String = "Process-${counter.incrementAndGet()}"

    /**
     * A daemon process is terminated when this JVM exits or its [processScope] ends; a non-daemon one is waited
     * for. Settable only before [start].
     */
    public var daemon: Boolean = false
        set(value) {
            synchronized(lock) {
                check(connection == null) { "daemon can only be set before start() ($name has started)" }
                field = value
            }
        }

    /**
     * A process that serves the others and never ends by itself (a [Manager]'s): at JVM exit it is neither
     * waited for, which would never end, nor terminated with the daemons, but terminated after the processes
     * waited for have ended. Settable only before [start].
     */
    internal var servesOthers: Boolean = false
        set(value) {
            synchronized(lock) {
                check(connection == null) { "servesOthers can only be set before start() ($name has started)" }
                field = value
            }
        }

    /** How the worker JVM is started. Settable only before [start]. */
    public var options: WorkerOptions = WorkerOptions.DEFAULT
        set(value) {
            synchronized(lock) {
                check(connection == null) { "options can only be set before start() ($name has started)" }
                field = value
            }
        }

    /** The child's pid; null before [start]. */
    public val pid: Long? get() = connection?.pid?.toLong()

    /** True from [start] until the child has ended. */
    public val isAlive: Boolean get() = connection != null && !exitFuture.isDone

    /** Null while running (or before start), the exit code, or minus the signal number when killed. */
    public val exitCode: Int? get() = exitFuture.getNow(null)?.code()

    /** How the child ended, or null while it runs (or before start). */
    public val exitStatus: ExitStatus? get() = exitFuture.getNow(null)

    /**
     * What the child runs: the target task, or this method overridden in a `@Serializable` subclass.
     * Called in the child, not here.
     */
    override suspend fun run(): R =
        target?.run() ?: throw IllegalStateException("$name has no target task and its class does not override run()")

    /**
     * Starts the child and returns this process, so that calls chain: `Process(task).start().await()`. The
     * task is encoded first, so one that cannot travel fails here with a [TaskEncodingException] and no
     * process is started.
     *
     * @throws IllegalStateException when already started or closed
     * @throws ProcessStartException when the worker JVM cannot be started
     */
    public fun start(): Process<R> {
        synchronized(lock) {
            check(!closed) { "$name is closed" }
            check(connection == null) { "$name was already started (a process can be started once)" }
            val task: Task<*> = target ?: this
            if (target == null && javaClass == Process::class.java) {
                throw IllegalStateException("$name needs a target task, or a @Serializable subclass that overrides run()")
            }
            // The child decodes its task once; what it has not fetched by its end is let go then.
            val leases = Leases(reusable = false)
            val encoded = leases.encoding { TaskCodec.encode(task) }
            val started = try {
                val run = WireCodec.encode(encoded.runMessage(1, name, exitAfter = true))
                if (run.size > options.maxFrameSize) {
                    throw WorkerFailure.TooLarge(
                        "task ${encoded.typeName} encodes to ${run.size} bytes, over maxFrameSize (${options.maxFrameSize} bytes)",
                    ).toPublic()
                }
                WorkerClasspath(options.launch).apply {
                    checkCoproc()
                    check(BlockingTasks.typeOf(task), "the task class")
                }
                WorkerChannel.start(name, options.launch, run, Events(encoded))
            } catch (e: Throwable) {
                leases.release()
                throw e.toPublic()
            }
            connection = started
            LiveProcesses.add(this)
            started.exit.whenComplete { status, error ->
                // Before the exit is reported: whoever joined the child finds its handles let go.
                leases.release()
                LiveProcesses.remove(this)
                if (error != null) exitFuture.completeExceptionally(error) else exitFuture.complete(status)
            }
        }
        return this
    }

    /** Suspends until the child has ended. Cancelling the caller terminates the child. */
    public suspend fun join() {
        onCancelTerminate { exitFuture.awaitResult() }
    }

    /**
     * Suspends until the child has ended or [timeout] has passed; returns true when it has ended. A timeout
     * leaves the child running; cancelling the caller terminates it.
     */
    public suspend fun join(timeout: Duration): Boolean {
        // The timeout is caught inside, so it never reaches onCancelTerminate: only a real cancellation does.
        return onCancelTerminate { withTimeoutOrNull(timeout) { exitFuture.awaitResult() } != null }
    }

    /**
     * Suspends until the child delivers its result and returns it.
     *
     * @throws RemoteTaskException when the task threw in the child
     * @throws ProcessDiedException when the child ended without a result (exit, crash, signal)
     * @throws ProtocolException when the child broke the protocol (it is then killed)
     */
    @Suppress("UNCHECKED_CAST")
    public suspend fun await(): R = onCancelTerminate { outcome.awaitResult() as R }

    /** Completes with the exit status once the child has ended and been reaped. Cancelling it changes nothing. */
    public fun onExit(): CompletableFuture<ExitStatus> {
        checkStarted()
        return exitFuture.copy()
    }

    /** Completes with the task's result, or with the exception [await] would throw. */
    @Suppress("UNCHECKED_CAST")
    public fun result(): CompletableFuture<R> {
        checkStarted()
        return outcome.copy() as CompletableFuture<R>
    }

    /** Sends SIGTERM: the task's coroutine is cancelled in the child, which then ends with exit code -15. */
    public fun terminate() {
        sendSignal(Signals.SIGTERM)
    }

    /** Sends SIGKILL: the child ends at once with exit code -9. */
    public fun kill() {
        sendSignal(Signals.SIGKILL)
    }

    /** Sends any signal to the child; does nothing once it has ended. */
    public fun sendSignal(signal: Int) {
        checkStarted()
        connection?.signal(signal)
    }

    /**
     * Releases the process object (Python's `close()`); using it afterwards is an error. Closing twice does
     * nothing.
     *
     * A child that already delivered its result (or its failure) is on its way out: `close()` waits for its exit
     * up to a second, then terminates it as [terminate] and SIGKILL after [WorkerOptions.terminateGrace] would,
     * so that `use { it.await() }` and Java's try-with-resources end the child, and never throw for it. An
     * interrupt during that wait kills the child at once (the interrupt stays set).
     *
     * @throws IllegalStateException when the child is still running and has not delivered its result
     */
    override fun close() {
        synchronized(lock) {
            if (closed) return
            check(!isAlive || outcome.isDone) {
                "$name (pid $pid) is still running: join, terminate or kill it before close()"
            }
        }
        if (isAlive) endAfterResult()
        synchronized(lock) { closed = true }
    }

    /** Waits briefly for a child that delivered its result to exit, then ends it. */
    private fun endAfterResult() {
        try {
            try {
                exitFuture.get(EXIT_AFTER_RESULT_MILLIS, TimeUnit.MILLISECONDS)
            } catch (e: TimeoutException) {
                terminateBlocking()
            }
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
            kill()
        } catch (e: ExecutionException) {
            // Its end could not be watched (the reaper failed): nothing more to wait for here.
        } catch (e: CompletionException) {
            // The same, seen through terminateBlocking's wait.
        }
    }

    override fun toString(): String {
        val state = when {
            connection == null -> "initial"
            isAlive -> "started"
            else -> "stopped, exit code $exitCode"
        }
        return "<Process $name pid=${pid ?: "-"} $state${if (daemon) " daemon" else ""}>"
    }

    /** Terminates the child and waits for it, SIGKILL after the grace period; blocks the calling thread. */
    internal fun terminateBlocking() {
        if (!isAlive) return
        terminate()
        try {
            termSentOrExit().get(TERM_HELD_MILLIS, TimeUnit.MILLISECONDS)
        } catch (e: TimeoutException) {
            // No hello yet: a JVM that has not started by now is taken for hung, and the grace runs from here.
        } catch (e: ExecutionException) {
            // Its end could not be watched: the wait below says so.
        }
        try {
            exitFuture.get(options.terminateGrace.inWholeMilliseconds, TimeUnit.MILLISECONDS)
        } catch (e: TimeoutException) {
            kill()
            exitFuture.join()
        }
    }

    /** SIGTERM, up to the grace period to end, then SIGKILL; returns once the child has been reaped. */
    internal suspend fun terminateAndWait() {
        if (!isAlive) return
        terminate()
        withTimeoutOrNull(TERM_HELD_MILLIS) { runCatching { termSentOrExit().awaitResult() } }
        if (withTimeoutOrNull(options.terminateGrace) { exitFuture.awaitResult() } == null) {
            kill()
            exitFuture.awaitResult()
        }
    }

    /**
     * Completes once the SIGTERM asked for has been sent (a child that has not said hello yet gets it at its
     * hello: the grace period counts from then) or the child has ended.
     */
    private fun termSentOrExit(): CompletableFuture<Any?> =
        CompletableFuture.anyOf(checkNotNull(connection).terminationSent, exitFuture)

    private suspend fun <T> onCancelTerminate(block: suspend () -> T): T {
        checkStarted()
        try {
            return block()
        } catch (e: CancellationException) {
            withContext(NonCancellable) { terminateAndWait() }
            throw e
        }
    }

    private fun checkStarted() {
        check(connection != null) { "$name has not been started" }
    }

    /** Turns the reader thread's events into the outcome; runs on that thread. */
    private inner class Events(private val task: EncodedTask) : WorkerChannel.Listener {
        override fun onMessage(connection: WorkerChannel, message: FromWorker) {
            val pid = pid ?: 0L
            // The task is over: tell the worker to exit (a worker that exits by itself, with its reader
            // thread blocked in a read, costs HotSpot 300 ms at exit).
            if (message !is FromWorker.Started) connection.sendQuietly(ToWorker.Shutdown)
            when (message) {
                is FromWorker.Started -> running.complete(Unit)
                is FromWorker.Succeeded -> try {
                    outcome.complete(WireCodec.decode(task.resultSerializer, message.result))
                } catch (e: Exception) {
                    val what = "result of $name (pid $pid) does not decode as ${task.resultSerializer.descriptor.serialName}: ${e.message}"
                    outcome.completeExceptionally(WorkerFailure.Protocol(name, pid, what, e).toPublic())
                }
                is FromWorker.Failed -> outcome.completeExceptionally(WorkerFailure.Remote(name, pid, message.error).toPublic())
                // A Process is stopped by signals, never by a cancel message.
                is FromWorker.Cancelled -> Unit
            }
        }

        override fun onEnd(connection: WorkerChannel, error: WorkerFailure.Protocol?) {
            if (error != null) {
                outcome.completeExceptionally(error.toPublic())
                return
            }
            // The result frame, if any, was read before EOF; wait for the exit status to explain its absence.
            exitFuture.whenComplete { status, _ ->
                if (status != null) outcome.completeExceptionally(WorkerFailure.Died(name, pid ?: 0L, status).toPublic())
            }
        }
    }

    public companion object {
        private val counter = AtomicInteger()

        /** How long [close] waits for a child that delivered its result to exit by itself. */
        private const val EXIT_AFTER_RESULT_MILLIS = 1_000L

        /**
         * How long a termination waits for a SIGTERM held until the child's hello (see
         * [WorkerChannel.terminationSent]) before the grace period starts anyway: a JVM start, with room for a
         * loaded machine.
         */
        private const val TERM_HELD_MILLIS = 10_000L

        /** The started processes of this JVM that have not ended yet (Python's `active_children()`). */
        @JvmStatic
        public fun activeChildren(): List<Process<*>> = LiveProcesses.snapshot()
    }
}
