package dev.coproc.internal.wire

import java.util.zip.CRC32C

/** Frames laid out byte by byte, for specs that write to a connection's socket behind its back. */
internal object RawFrames {
    /** A whole frame of [kind] holding [payload]; [length] and [checksum] may lie about it. */
    fun frame(kind: Byte, payload: ByteArray, length: Int = payload.size, checksum: Int? = null): ByteArray {
        val bytes = ByteArray(Frames.HEADER_BYTES + payload.size)
        Frames.putHeader(bytes, 0, kind, length, checksum ?: Frames.checksum(CRC32C(), kind, payload, 0, payload.size))
        payload.copyInto(bytes, Frames.HEADER_BYTES)
        return bytes
    }

    /** A header announcing [length] bytes of [kind] (with a checksum no payload matches but by chance). */
    fun header(kind: Byte, length: Int, checksum: Int = 0): ByteArray = frame(kind, ByteArray(0), length, checksum)

    /** Authenticates as a manager client holding [key] over [socket], as a real client would. */
    suspend fun authenticate(socket: FramedSocket, key: ByteArray) {
        KeyedHandshake.connect(socket, key, Int.MAX_VALUE, "the manager")
    }

    /** Reads the manager's first hello (so the connection was accepted), without answering it. */
    suspend fun readHello(socket: FramedSocket): ByteArray = socket.receive(Handshake.MAX_HELLO_BYTES, Frame.HELLO)
}
