package dev.coproc.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Java-only example runs against the library as built, and gets what it should. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JavaExampleTest {
    @Test
    void aJavaOnlyProjectRunsAPoolMapAProcessAQueueAndAManagerDict() throws Exception {
        JavaExample.Results results = JavaExample.run();
        assertEquals(List.of(10, 20, 30, 40), results.scaled());
        assertEquals(144, results.square());
        assertEquals(0, results.exitCode());
        assertEquals(IntStream.range(0, 100).sum(), results.queued());
        assertEquals(Map.of("ann", 3, "bob", 5), results.scores());
        assertEquals(List.of(), ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList(),
                "every child ended with its pool, process or manager");
    }
}
