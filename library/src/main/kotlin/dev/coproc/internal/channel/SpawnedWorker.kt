package dev.coproc.internal.channel

import dev.coproc.os.ExitStatus
import dev.coproc.internal.os.Fd
import dev.coproc.internal.os.OsException
import dev.coproc.internal.os.Pipes
import dev.coproc.internal.os.Reaper
import dev.coproc.internal.os.SharedMemory
import dev.coproc.internal.os.Spawn
import dev.coproc.internal.wire.FrameWriter
import dev.coproc.internal.wire.Handshake
import dev.coproc.internal.wire.HeldFrames
import dev.coproc.internal.wire.ReadAheadInput
import java.io.IOException
import java.util.concurrent.CompletableFuture
import org.slf4j.LoggerFactory

/** A spawned worker JVM that has been sent the handshake, not yet connected to a listener. */
internal class SpawnedWorker(
    val pid: Int,
    val commandFd: Fd,
    val commands: FrameWriter,
    val replies: Fd,
    /** Reads [replies]; whoever reads the worker's first frames reads through it, so that nothing read ahead is lost. */
    val replyStream: ReadAheadInput,
    val reaped: CompletableFuture<ExitStatus>,
    val archive: ClassDataArchive.Plan,
    val outputPipes: List<Array<Fd>>,
    val maxFrameSize: Int,
    /** The replies the worker held back when it ended ([HeldFrames]): read once its reply pipe has ended. */
    val heldReplies: SharedMemory,
) {
    /** Set once the worker's handshake has been read (a standby worker's, before it is handed out). */
    @Volatile
    var greeted: Boolean = false

    /** Closes what this side holds of a worker that is let go unused; the rest closes once it is reaped. */
    fun discard() {
        commandFd.close()
        reaped.whenComplete { _, _ ->
            // Closed only now: a worker still writing its hello into a closed pipe would complain on stderr.
            replies.close()
            heldReplies.close()
            outputPipes.forEach { pipe -> pipe.forEach { it.close() } }
            archive.finish()
        }
    }

    companion object {
        private val log = LoggerFactory.getLogger(SpawnedWorker::class.java)
        private const val PIPE_CAPACITY = 1 shl 20

        /** The worker's fd of its held replies' shared memory, beside the command (3) and reply (4) pipes. */
        const val HELD_REPLIES_FD = 5

        /** That memory's label: the worker maps its fd 5 only if it names this memfd (`memfd:coproc-<label>`). */
        const val HELD_REPLIES_LABEL = "held-replies"

        /**
         * Spawns a worker JVM for [launch] ([name] only labels its output and errors) and sends it the handshake.
         *
         * @throws WorkerFailure.StartFailed when the JVM cannot be spawned
         */
        fun spawn(name: String, launch: WorkerLaunch): SpawnedWorker {
            val commandPipe = Pipes.open()
            val replyPipe = Pipes.open()
            // A map chunk of 125,000 ints is 500 KB: with room for it, it crosses in one write and one wake-up.
            Pipes.requestCapacity(commandPipe[1], PIPE_CAPACITY)
            Pipes.requestCapacity(replyPipe[1], PIPE_CAPACITY)
            val outputPipes = if (launch.prefixOutput) listOf(Pipes.open(), Pipes.open()) else emptyList()
            fun closePipes() = (commandPipe + replyPipe + outputPipes.flatMap { it.toList() }).forEach { it.close() }
            val heldReplies = try {
                SharedMemory.create(HELD_REPLIES_LABEL, HeldFrames.BYTES.toLong())
            } catch (e: OsException) {
                closePipes()
                throw WorkerFailure.StartFailed("cannot start worker $name: ${e.message}", e)
            }
            val archive = ClassDataArchive.plan(launch)
            var heldRepliesFd: Fd? = null
            val pid: Int
            try {
                heldRepliesFd = Fd(heldReplies.duplicate())
                val spawn = Spawn.of(launch.argv(archive))
                    .mapFd(commandPipe[0], 3)
                    .mapFd(replyPipe[1], 4)
                    .mapFd(heldRepliesFd, HELD_REPLIES_FD)
                    .newProcessGroup(launch.newProcessGroup)
                launch.environment?.let { spawn.environment(it) }
                launch.workingDirectory?.let { spawn.directory(it) }
                if (outputPipes.isNotEmpty()) {
                    spawn.stdout(Spawn.Redirect.to(outputPipes[0][1])).stderr(Spawn.Redirect.to(outputPipes[1][1]))
                }
                pid = spawn.start()
            } catch (e: Throwable) {
                closePipes()
                heldReplies.close()
                archive.finish()
                if (e is OsException) throw WorkerFailure.StartFailed("cannot start worker $name: ${e.message}", e)
                throw e
            } finally {
                commandPipe[0].close()
                replyPipe[1].close()
                heldRepliesFd?.close()
                outputPipes.forEach { it[1].close() }
            }
            val reaped = Reaper.get().watch(pid).thenApply(ExitStatus::decode)
            val commands = FrameWriter(commandPipe[1].outputStream(), launch.maxFrameSize)
            // The hello is 29 bytes into an empty pipe: it cannot block, and it goes before anything else.
            try {
                Handshake.send(commands, ProcessHandle.current().pid(), launch.maxFrameSize)
            } catch (e: IOException) {
                log.debug("worker {} (pid {}) closed its pipe before the handshake: {}", name, pid, e.message)
            }
            val replies = ReadAheadInput(replyPipe[0].inputStream(), 64 * 1024)
            return SpawnedWorker(pid, commandPipe[1], commands, replyPipe[0], replies, reaped, archive, outputPipes, launch.maxFrameSize, heldReplies)
        }
    }
}
