package dev.coproc.internal.wire

/**
 * Reads all of [bytes] through a [WireBuffer] with [read], as one message of a protocol's fixed layout. What does
 * not read as one (a field past the end, a length or count that cannot fit, a nested decoder's runtime failure,
 * nesting too deep for the stack) and bytes left over after it fail with [fail]'s exception, [what] naming the
 * message; an exception already of that type goes through as it is.
 */
internal inline fun <reified E : Exception, T> readWhole(
    bytes: ByteArray,
    what: String,
    fail: (message: String, cause: Throwable?) -> E,
    read: (WireBuffer) -> T,
): T {
    val input = WireBuffer(bytes)
    val value = try {
        read(input)
    } catch (e: RuntimeException) {
        if (e is E) throw e
        throw fail(
            if (e is IndexOutOfBoundsException) "$what of ${bytes.size} bytes ends before its last field"
            else "$what of ${bytes.size} bytes is malformed: $e",
            e,
        )
    } catch (e: StackOverflowError) {
        throw fail("$what of ${bytes.size} bytes nests too deep", e)
    }
    if (input.hasRemaining()) throw fail("$what has ${input.remaining()} bytes past its last field", null)
    return value
}
