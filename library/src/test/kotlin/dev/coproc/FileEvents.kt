package dev.coproc

import java.nio.file.FileSystems
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardWatchEventKinds
import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * Waits, on inotify events rather than sleeps, until [file]'s text satisfies [condition], for at most
 * [timeout]; returns the text. Fails the test on timeout.
 */
suspend fun awaitFile(file: Path, timeout: Duration, condition: (String) -> Boolean): String = withContext(Dispatchers.IO) {
    FileSystems.getDefault().newWatchService().use { watcher ->
        file.parent.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY)
        val deadline = System.nanoTime() + timeout.inWholeNanoseconds
        while (true) {
            val text = if (Files.exists(file)) Files.readString(file) else ""
            if (condition(text)) return@withContext text
            val left = deadline - System.nanoTime()
            check(left > 0) { "timed out after $timeout waiting on $file, which holds: $text" }
            watcher.poll(left, TimeUnit.NANOSECONDS)?.let { key -> key.pollEvents(); key.reset() }
        }
        @Suppress("UNREACHABLE_CODE")
        ""
    }
}
