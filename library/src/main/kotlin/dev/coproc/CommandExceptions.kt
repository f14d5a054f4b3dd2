package dev.coproc

import dev.coproc.os.ExitStatus
import kotlin.time.Duration

/** A [Command] run with `check()` ended otherwise than with exit code 0. Python's `CalledProcessError`. */
public class CommandFailedException internal constructor(
    /** The command's argv. */
    public val argv: List<String>,
    /** How it ended. */
    public val status: ExitStatus,
    /** The end of what it wrote to standard error (at most 4 KiB), when that was captured. */
    public val stderrTail: String,
) : CoprocException("command $argv failed ($status)" + if (stderrTail.isBlank()) "" else ": ${stderrTail.trimEnd()}")

/**
 * A [Command] ran longer than its timeout: it and its process group were terminated, then killed after the
 * grace period. Python's `TimeoutExpired`; what it wrote until then is kept.
 */
public class CommandTimeoutException internal constructor(
    /** The command's argv. */
    public val argv: List<String>,
    /** The timeout that expired. */
    public val timeout: Duration,
    /** What it had written to standard output, when captured. */
    public val stdout: ByteArray,
    /** What it had written to standard error, when captured. */
    public val stderr: ByteArray,
) : CoprocException("command $argv timed out after $timeout")
