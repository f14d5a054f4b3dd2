package dev.coproc.internal.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a corked writer leaves in its shared memory for the reader: whole frames, in order, and only those. */
class HeldFramesTest {
    private final ByteBuffer memory = ByteBuffer.allocateDirect(HeldFrames.BYTES).order(ByteOrder.nativeOrder());
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final FrameWriter writer = new FrameWriter(sent, 1 << 20, new HeldFrames(memory));

    private static byte[] payload(int size, int fill) {
        byte[] bytes = new byte[size];
        java.util.Arrays.fill(bytes, (byte) fill);
        return bytes;
    }

    private List<Frame> left() {
        return HeldFrames.left(memory, 1 << 20, "worker W");
    }

    @Test
    void heldFramesAreLeftUntilSentThenNone() throws IOException {
        writer.cork();
        for (int i = 1; i <= 3; i++) writer.write(Frame.MESSAGE, payload(i * 10, i));
        assertEquals(0, sent.size(), "nothing written while corked");
        List<Frame> frames = left();
        assertEquals(3, frames.size());
        for (int i = 1; i <= 3; i++) assertArrayEquals(payload(i * 10, i), frames.get(i - 1).payload());
        writer.uncork();
        assertTrue(sent.size() > 60);
        assertTrue(left().isEmpty(), "sent frames are no longer left");
    }

    @Test
    void aFrameTooLargeToHoldSendsTheHeldOnesFirstAndLeavesNothing() throws IOException {
        writer.cork();
        writer.write(Frame.MESSAGE, payload(5, 1));
        writer.write(Frame.MESSAGE, payload(10_000, 2));
        assertTrue(left().isEmpty());
        assertEquals(2 * Frames.HEADER_BYTES + 10_005, sent.size());
    }

    @Test
    void aTornOrCorruptedTailEndsTheListAtTheLastWholeFrame() throws IOException {
        writer.cork();
        writer.write(Frame.MESSAGE, payload(20, 1));
        writer.write(Frame.MESSAGE, payload(20, 2));
        int whole = memory.getInt(0);
        // A length beyond the frames written: the writer died while copying a third one.
        memory.putInt(0, whole + 7);
        assertEquals(2, left().size());
        // A flipped byte in the second frame's payload fails its checksum.
        memory.putInt(0, whole);
        int second = HeldFrames.FRAMES + Frames.HEADER_BYTES + 20 + Frames.HEADER_BYTES + 3;
        memory.put(second, (byte) (memory.get(second) ^ 0x40));
        assertEquals(1, left().size());
        // A length out of bounds reads as nothing.
        memory.putInt(0, HeldFrames.CAPACITY + 1);
        assertTrue(left().isEmpty());
        memory.putInt(0, -5);
        assertTrue(left().isEmpty());
    }
}
