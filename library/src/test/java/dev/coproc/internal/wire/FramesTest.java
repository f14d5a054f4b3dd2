package dev.coproc.internal.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Frames and the handshake over in-memory streams: every way a byte stream can break the protocol. */
class FramesTest {
    private static byte[] written(byte kind, byte[] payload) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new FrameWriter(out, 1 << 20).write(kind, payload);
        return out.toByteArray();
    }

    private static FrameReader reader(byte[] bytes, int max) {
        return new FrameReader(new ByteArrayInputStream(bytes), max, "peer X");
    }

    @Test
    void roundTripsFramesOfAnySize() throws IOException {
        for (int size : new int[] {0, 1, 4096, 4097, 300_000}) {
            byte[] payload = new byte[size];
            Arrays.fill(payload, (byte) 7);
            Frame frame = reader(written(Frame.MESSAGE, payload), 1 << 20).read();
            assertEquals(Frame.MESSAGE, frame.kind());
            assertArrayEquals(payload, frame.payload());
        }
    }

    @Test
    void cleanEndBetweenFramesIsNull() throws IOException {
        assertNull(reader(new byte[0], 100).read());
    }

    @Test
    void everyFlippedBitIsDetected() throws IOException {
        byte[] good = written(Frame.MESSAGE, "hello, worker".getBytes());
        for (int i = 0; i < good.length * 8; i++) {
            byte[] bad = good.clone();
            bad[i / 8] ^= (byte) (1 << (i % 8));
            FrameException error = assertThrows(FrameException.class, () -> reader(bad, 1 << 20).read(), "bit " + i);
            assertTrue(error.getMessage().startsWith("peer X"), error.getMessage());
        }
    }

    @Test
    void truncatedHeaderAndPayload() throws IOException {
        byte[] good = written(Frame.MESSAGE, new byte[100]);
        FrameException header = assertThrows(FrameException.class, () -> reader(Arrays.copyOf(good, 5), 1000).read());
        assertEquals(FrameException.Reason.TRUNCATED, header.reason());
        FrameException payload = assertThrows(FrameException.class, () -> reader(Arrays.copyOf(good, 50), 1000).read());
        assertEquals(FrameException.Reason.TRUNCATED, payload.reason());
    }

    /** A reader of a stream that hands out at most 1000 bytes per read, as a pipe does when the writer is slow. */
    private static FrameReader trickling(byte[] bytes) {
        return new FrameReader(new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] into, int offset, int length) {
                return super.read(into, offset, Math.min(length, 1000));
            }
        }, Frames.DEFAULT_MAX_PAYLOAD, "peer X");
    }

    @Test
    void aFrameLargerThanTheFirstReadArrivesWholeInSmallPieces() throws IOException {
        byte[] payload = new byte[3 * FrameReader.FIRST_READ_BYTES + 5];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) (i * 31);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new FrameWriter(out, 64 << 20).write(Frame.MESSAGE, payload);
        assertArrayEquals(payload, trickling(out.toByteArray()).read().payload());
        byte[] cut = Arrays.copyOf(out.toByteArray(), Frames.HEADER_BYTES + payload.length / 2);
        FrameException truncated = assertThrows(FrameException.class, () -> trickling(cut).read());
        assertEquals(FrameException.Reason.TRUNCATED, truncated.reason());
        assertTrue(truncated.getMessage().contains("after " + payload.length / 2 + " of " + payload.length), truncated.getMessage());
    }

    @Test
    void memoryFollowsTheBytesThatArriveNotTheLengthAnnounced() throws IOException {
        // A header announcing 60 MiB, then 10 bytes of payload.
        byte[] announcedOnly = new byte[Frames.HEADER_BYTES + 10];
        Frames.putHeader(announcedOnly, 0, Frame.MESSAGE, 60 << 20, 0);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThrows(FrameException.class, () -> reader(announcedOnly, 64 << 20).read());
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 2 * FrameReader.FIRST_READ_BYTES, "a 60 MiB announcement with 10 bytes cost " + allocated + " bytes");
    }

    @Test
    void oversizedFramesAreRefusedOnBothSides() throws IOException {
        FrameException read = assertThrows(FrameException.class, () -> reader(written(Frame.MESSAGE, new byte[2000]), 1000).read());
        assertEquals(FrameException.Reason.OVERSIZED, read.reason());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameException write = assertThrows(FrameException.class, () -> new FrameWriter(out, 1000).write(Frame.MESSAGE, new byte[2000]));
        assertEquals(FrameException.Reason.OVERSIZED, write.reason());
        assertEquals(0, out.size(), "nothing written for a refused frame");
    }

    /** Counts the writes that reach the stream: a corked writer's held frames go out in one. */
    private static final class CountingStream extends ByteArrayOutputStream {
        int writes;

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            writes++;
            super.write(bytes, offset, length);
        }
    }

    @Test
    void aCorkedWriterSendsItsFramesInOrderInOneWriteWhenUncorked() throws IOException {
        CountingStream out = new CountingStream();
        FrameWriter writer = new FrameWriter(out, 1 << 20);
        writer.cork();
        for (int i = 0; i < 3; i++) writer.write(Frame.MESSAGE, new byte[] {(byte) i});
        assertEquals(0, out.size(), "held until uncorked");
        writer.uncork();
        assertEquals(1, out.writes);
        writer.write(Frame.MESSAGE, new byte[] {3});
        assertEquals(2, out.writes, "written through once uncorked");
        FrameReader reader = reader(out.toByteArray(), 100);
        for (int i = 0; i < 4; i++) assertArrayEquals(new byte[] {(byte) i}, reader.read().payload());
        assertNull(reader.read());
    }

    @Test
    void aFrameThatDoesNotFitBesideTheHeldOnesSendsThemFirst() throws IOException {
        CountingStream out = new CountingStream();
        FrameWriter writer = new FrameWriter(out, 1 << 20);
        writer.cork();
        writer.write(Frame.MESSAGE, new byte[] {1});
        byte[] large = new byte[100_000];
        Arrays.fill(large, (byte) 2);
        writer.write(Frame.MESSAGE, large);
        assertThrows(FrameException.class, () -> writer.write(Frame.MESSAGE, new byte[(1 << 20) + 1]));
        writer.write(Frame.MESSAGE, new byte[] {3});
        writer.uncork();
        FrameReader reader = reader(out.toByteArray(), 1 << 20);
        assertArrayEquals(new byte[] {1}, reader.read().payload());
        assertArrayEquals(large, reader.read().payload());
        assertArrayEquals(new byte[] {3}, reader.read().payload());
        assertNull(reader.read());
    }

    @Test
    void aCorkedWriterHoldsOnlySmallFramesAndDropsTheHeldOnesWhenTold() throws IOException {
        CountingStream out = new CountingStream();
        FrameWriter writer = new FrameWriter(out, 1 << 20);
        writer.cork();
        writer.write(Frame.MESSAGE, new byte[] {1});
        byte[] medium = new byte[5000];
        writer.write(Frame.MESSAGE, medium);
        assertEquals(3, out.writes, "the held frame, then the medium one (header and payload) written through");
        writer.write(Frame.MESSAGE, new byte[] {2});
        writer.dropHeld();
        writer.write(Frame.MESSAGE, new byte[] {3});
        FrameReader reader = reader(out.toByteArray(), 1 << 20);
        assertArrayEquals(new byte[] {1}, reader.read().payload());
        assertArrayEquals(medium, reader.read().payload());
        assertArrayEquals(new byte[] {3}, reader.read().payload(), "the dropped frame never went; the next went through");
        assertNull(reader.read());
    }

    @Test
    void handshakeCarriesPidAndLimit() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Handshake.send(new FrameWriter(out, 1000), 4242, 12345);
        Handshake.Hello hello = Handshake.receive(reader(out.toByteArray(), 1000), "peer X");
        assertEquals(4242, hello.pid());
        assertEquals(12345, hello.maxPayload());
        assertEquals(Handshake.PROTOCOL_VERSION, hello.version());
    }

    @Test
    void handshakeRefusesAnotherVersion() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Handshake.send(new FrameWriter(out, 1000), Handshake.PROTOCOL_VERSION + 1, 1, 1000);
        FrameException error = assertThrows(FrameException.class, () -> Handshake.receive(reader(out.toByteArray(), 1000), "peer X"));
        assertEquals(FrameException.Reason.HANDSHAKE, error.reason());
        assertTrue(error.getMessage().contains("version " + (Handshake.PROTOCOL_VERSION + 1)), error.getMessage());
    }

    @Test
    void handshakeRefusesAnythingElse() throws IOException {
        byte[] message = written(Frame.MESSAGE, new byte[20]);
        assertEquals(FrameException.Reason.HANDSHAKE,
                assertThrows(FrameException.class, () -> Handshake.receive(reader(message, 1000), "peer X")).reason());
        assertThrows(EOFException.class, () -> Handshake.receive(reader(new byte[0], 1000), "peer X"));
    }
}
