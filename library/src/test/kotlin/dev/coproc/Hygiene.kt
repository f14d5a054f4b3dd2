package dev.coproc

import dev.coproc.internal.os.FdPoller
import dev.coproc.internal.os.Pids
import io.kotest.assertions.withClue
import io.kotest.core.listeners.AfterSpecListener
import io.kotest.core.listeners.AfterTestListener
import io.kotest.core.listeners.BeforeSpecListener
import io.kotest.core.listeners.BeforeTestListener
import io.kotest.core.test.TestCase
import io.kotest.engine.test.TestResult
import io.kotest.core.spec.Spec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * After a spec: no child of the test JVM left (running or zombie), and no fd leaked. Children that are still
 * being reaped get a bounded wait on their pidfd, not a sleep.
 */
object Hygiene : BeforeSpecListener, AfterSpecListener, BeforeTestListener, AfterTestListener {
    private var fdsBefore = emptyMap<Int, String>()
    private var shmBefore = emptySet<String>()

    override suspend fun beforeSpec(spec: Spec) {
        warmUp()
        fdsBefore = openFds()
        shmBefore = devShm()
    }

    override suspend fun afterSpec(spec: Spec) {
        val deadline = Duration.ofSeconds(10)
        children().forEach { Pids.awaitExit(it.pid, deadline) }
        // A reaped child vanishes; an exited but unreaped one would show as a zombie here.
        withClue("children of the test JVM after ${spec::class.simpleName}") { children().shouldBeEmpty() }
        withClue("fd-sharing sockets of this JVM left after ${spec::class.simpleName}") { sharerSockets().shouldBeEmpty() }
        withClue("new /dev/shm entries after ${spec::class.simpleName}") { (devShm() - shmBefore).shouldBeEmpty() }
        val after = openFds()
        val opened = after.filter { (fd, target) -> fdsBefore[fd] != target }
        withClue("open fds after ${spec::class.simpleName}; new: $opened") { after.size shouldBeLessThanOrEqual fdsBefore.size }
    }

    // Which test runs is printed, so a hang in CI names its test.
    override suspend fun beforeTest(testCase: TestCase) {
        System.err.println("[coproc-test] start: ${testCase.name.name}")
    }

    override suspend fun afterTest(testCase: TestCase, result: TestResult) {
        System.err.println("[coproc-test] ${result.name.lowercase()}: ${testCase.name.name}")
    }

    data class Child(val pid: Long, val state: Char, val command: String)

    fun children(): List<Child> {
        val self = Pids.current()
        // The orphan guard lives as long as this JVM, on purpose.
        val guard = dev.coproc.internal.os.OrphanGuard.pid()
        return Files.list(Path.of("/proc")).use { entries ->
            entries.toList().mapNotNull { dir ->
                val pid = dir.fileName.toString().toLongOrNull() ?: return@mapNotNull null
                val stat = runCatching { Files.readString(dir.resolve("stat")) }.getOrNull() ?: return@mapNotNull null
                // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
                val fields = stat.substringAfterLast(')').trim().split(' ')
                if (fields[1].toLong() != self || pid == guard) return@mapNotNull null
                Child(pid, fields[0][0], stat.substringAfter('(').substringBeforeLast(')'))
            }
        }
    }

    /** Names in /dev/shm: coproc puts none there (its shared memory has no name), and this checks it. */
    fun devShm(): Set<String> = Files.list(Path.of("/dev/shm")).use { entries -> entries.map { it.fileName.toString() }.toList().toSet() }

    fun openFdCount(): Int = Files.list(Path.of("/proc/self/fd")).use { it.count().toInt() }

    /**
     * Fails unless this JVM has at most [count] fds open within [within]. Polled: the fd sharer's socket is
     * closed by its own thread once nothing is shared, a moment after the last handle went.
     */
    suspend fun awaitOpenFdsAtMost(count: Int, within: kotlin.time.Duration = 10.seconds) {
        val deadline = kotlin.time.TimeSource.Monotonic.markNow() + within
        while (openFds().size > count && deadline.hasNotPassedNow()) kotlinx.coroutines.delay(10)
        val open = openFds()
        withClue("open fds: $open") { open.size shouldBeLessThanOrEqual count }
    }

    /** The sockets through which this JVM hands descriptors over: there while something is shared. */
    fun sharerSockets(): List<Path> {
        val uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid")
        val directory = Path.of(System.getProperty("java.io.tmpdir"), "coproc-$uid")
        if (!Files.isDirectory(directory)) return emptyList()
        return Files.list(directory).use { entries ->
            entries.toList().filter { it.fileName.toString().startsWith("share-${Pids.current()}-") }
        }
    }

    /** Each open fd and what it points to (a file, `pipe:[inode]`, `socket:[inode]`...). */
    fun openFds(): Map<Int, String> = Files.list(Path.of("/proc/self/fd")).use { fds ->
        fds.toList().mapNotNull { fd ->
            val target = runCatching { Files.readSymbolicLink(fd).toString() }.getOrNull() ?: return@mapNotNull null
            // The JVM itself reads its container limits now and then (a file open for a moment): not ours.
            if (target.startsWith("/sys/fs/cgroup/")) return@mapNotNull null
            fd.fileName.toString().toInt() to target
        }.toMap()
    }

    /** The poller's wake pipe and the native libraries are opened once per JVM: open them before counting. */
    private suspend fun warmUp() {
        FdPoller.get().start()
        Command("true").run() // starts the orphan guard, whose pipe stays open
        val p = Process(Square(1))
        p.start()
        p.await()
        p.join()
    }
}
