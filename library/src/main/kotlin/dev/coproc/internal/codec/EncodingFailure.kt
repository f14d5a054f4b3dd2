package dev.coproc.internal.codec

import kotlinx.serialization.SerializationException

/**
 * A value that cannot travel to another process: its class is not the declared `@Serializable` type expected,
 * its serializer failed, or it encodes to more than a frame holds. Nothing was sent. The public package reports
 * it as its own exception (`Failures.kt`).
 */
internal class EncodingFailure(message: String, cause: Throwable? = null) : Exception(message, cause)

/** Runs [encode], reporting why [what] cannot travel as an [EncodingFailure]. */
internal inline fun <T> encoding(what: String, encode: () -> T): T = try {
    encode()
} catch (e: TaskTypeException) {
    throw EncodingFailure("cannot send $what: ${e.message}", e)
} catch (e: SerializationException) {
    throw EncodingFailure("cannot encode $what: ${e.message}", e)
}
