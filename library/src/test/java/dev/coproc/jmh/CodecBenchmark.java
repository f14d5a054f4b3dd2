package dev.coproc.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The codec per task: encoding a task into its `Run` message, and decoding a worker's reply to its result. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark extends HotPathBenchmark {
    private final byte[] reply = CodecSamples.reply(42, 7);
    private long id;

    @Benchmark
    public byte[] encodeTaskMessage() {
        return CodecSamples.encodeRun(++id, 7);
    }

    @Benchmark
    public int decodeReply() {
        return CodecSamples.decodeReply(reply);
    }
}
