package dev.coproc.jmh;

import dev.coproc.internal.os.OsException;
import dev.coproc.internal.shm.QueueRing;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Control;

/**
 * The shared-memory queue ring that every {@code Queue} is: a 16-byte message put then taken by one thread
 * (the cost of the two locks, the copies and the commit), and a producer beside a consumer on two threads
 * (each counts the messages that crossed: {@code pair:put} and {@code pair:get} should agree).
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RingBenchmark extends HotPathBenchmark {
    private final byte[] message = new byte[16];
    private QueueRing ring;

    @Setup
    public void open() throws OsException {
        ring = QueueRing.create(4096, 1 << 20);
    }

    @TearDown
    public void close() {
        ring.close();
        ring.memory().close();
    }

    @Benchmark
    @Group("alone")
    public byte[] putThenGet() {
        ring.put(message, 0, message.length);
        return ring.get();
    }

    /** A put that found the ring full tries again, so that only messages that crossed count. */
    @Benchmark
    @Group("pair")
    public int put(Control control) {
        int result;
        while ((result = ring.put(message, 0, message.length)) == QueueRing.FULL && !control.stopMeasurement) Thread.onSpinWait();
        return result;
    }

    /** A get that found the ring empty tries again. */
    @Benchmark
    @Group("pair")
    public byte[] get(Control control) {
        byte[] taken;
        while ((taken = ring.get()) == null && !control.stopMeasurement) Thread.onSpinWait();
        return taken;
    }
}
