package dev.coproc.jmh;

import dev.coproc.internal.os.OsException;
import dev.coproc.internal.shm.RobustLock;
import dev.coproc.internal.shm.SharedSegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** The robust lock word in shared memory, uncontended: one acquire and one release (a CAS each way). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LockWordBenchmark extends HotPathBenchmark {
    private SharedSegment segment;
    private RobustLock lock;

    @Setup
    public void open() throws OsException {
        segment = SharedSegment.create("bench-lock", 0x4c4f434b, 4096);
        lock = new RobustLock(segment, 64);
    }

    @TearDown
    public void close() {
        segment.close();
    }

    @Benchmark
    public boolean acquireRelease() {
        if (!lock.tryAcquire()) throw new IllegalStateException("an uncontended lock was taken");
        return lock.release();
    }
}
