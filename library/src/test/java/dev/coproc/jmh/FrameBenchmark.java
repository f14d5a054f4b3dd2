package dev.coproc.jmh;

import dev.coproc.internal.wire.Frame;
import dev.coproc.internal.wire.FrameReader;
import dev.coproc.internal.wire.FrameWriter;
import dev.coproc.internal.wire.Frames;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One frame written and one read, in memory: the header, the checksum and the copies, without the system
 * calls that a pipe adds (the demo bench measures those).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FrameBenchmark extends HotPathBenchmark {
    @Param({"64", "65536"})
    public int payloadBytes;

    private byte[] payload;
    private byte[] frame;
    private ByteArrayOutputStream sink;
    private FrameWriter writer;

    @Setup
    public void prepare() throws IOException {
        payload = new byte[payloadBytes];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
        sink = new ByteArrayOutputStream(payloadBytes + Frames.HEADER_BYTES);
        writer = new FrameWriter(sink, Frames.DEFAULT_MAX_PAYLOAD);
        writer.write(Frame.MESSAGE, payload);
        frame = sink.toByteArray();
    }

    @Benchmark
    public int encode() throws IOException {
        sink.reset();
        writer.write(Frame.MESSAGE, payload);
        return sink.size();
    }

    @Benchmark
    public Frame decode() throws IOException {
        return new FrameReader(new ByteArrayInputStream(frame), Frames.DEFAULT_MAX_PAYLOAD, "bench").read();
    }
}
