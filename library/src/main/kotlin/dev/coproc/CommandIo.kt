package dev.coproc

import java.nio.file.Path
import kotlinx.coroutines.flow.Flow

/** Where a [Command]'s standard input comes from. */
public sealed class CommandInput {
    /** `/dev/null`: the command reads end-of-file at once (the default). */
    public data object Null : CommandInput()

    /** This JVM's own standard input. */
    public data object Inherit : CommandInput()

    /** These bytes, then end-of-file. */
    public class Bytes(public val bytes: ByteArray) : CommandInput()

    /** This text in UTF-8, then end-of-file. */
    public class Text(public val text: String) : CommandInput()

    /** A file, read by the command itself. */
    public class File(public val path: Path) : CommandInput()

    /** The chunks of a flow, collected while the command runs, then end-of-file. */
    public class Stream(public val chunks: Flow<ByteArray>) : CommandInput()

    /** A pipe this process writes with [RunningCommand.writeStdin], then [RunningCommand.closeStdin]. */
    public data object Pipe : CommandInput()
}

/** Where a [Command]'s standard output or standard error goes. */
public sealed class CommandOutput {
    /** Collected in memory, into the [CommandResult] (the default). Read as it comes: no size makes it deadlock. */
    public data object Capture : CommandOutput()

    /** A pipe this process reads as it comes: [RunningCommand.stdout] / [RunningCommand.stderr]. */
    public data object Pipe : CommandOutput()

    /** `/dev/null`. */
    public data object Discard : CommandOutput()

    /** This JVM's own stream. */
    public data object Inherit : CommandOutput()

    /** A file, created 0600 if missing, truncated unless [append]. */
    public class File(public val path: Path, public val append: Boolean = false) : CommandOutput()

    /** For standard error only: into the same place as standard output (Python's `stderr=STDOUT`). */
    public data object ToStdout : CommandOutput()
}
