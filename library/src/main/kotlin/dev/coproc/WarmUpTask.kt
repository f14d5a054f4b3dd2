package dev.coproc

import dev.coproc.internal.codec.EncodedTask
import dev.coproc.internal.codec.WireCodec
import dev.coproc.internal.handles.DecodedHandles

/**
 * A task that does nothing but load what tasks commonly need: a standby worker runs it through the real path
 * while it waits, so that its first real task finds that path loaded and linked, and finds the native calls
 * behind every handle bound (jnr generating its stubs: 250–500 ms of a worker's first handle, measured). One
 * handle of two common kinds makes the whole trip a task's arguments make: shared, encoded, fetched by
 * descriptor, mapped; all of it is closed again before the worker waits.
 */
@kotlinx.serialization.Serializable
internal class WarmUpTask : Task<Unit> {
    companion object {
        /** Encoded once, for every standby worker's warm-up. */
        val encoded: EncodedTask by lazy { TaskCodec.encode(WarmUpTask()) }
    }

    override suspend fun run() {
        ReadOnlyBytes(ByteArray(1)).use { data ->
            Event().use { event ->
                val owned = mutableListOf<AutoCloseable>()
                val copy = DecodedHandles.collecting(owned) {
                    WireCodec.decode(WarmUpHandles.serializer(), WireCodec.encode(WarmUpHandles.serializer(), WarmUpHandles(data, event)))
                }
                copy.data[0]
                copy.event.set()
                owned.forEach { it.close() }
            }
        }
    }
}

@kotlinx.serialization.Serializable
private class WarmUpHandles(val data: ReadOnlyBytes, val event: Event)
