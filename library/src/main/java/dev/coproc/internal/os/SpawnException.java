package dev.coproc.internal.os;

import java.nio.file.Path;

/**
 * A program could not be started: it was not found, is not executable, its working directory is bad, or a string
 * given for it holds a NUL character.
 */
public final class SpawnException extends OsException {
    private final String program;

    SpawnException(String program, Path directory, int errno) {
        super(errno, "cannot start " + program + (directory == null ? "" : " in " + directory));
        this.program = program;
    }

    /** Refused before spawning: {@code problem} says what in the argv, environment or directory is wrong. */
    SpawnException(String program, String problem) {
        super(dev.coproc.internal.os.LibC.EINVAL, "cannot start " + program.replace("\0", "\\0") + ": " + problem);
        this.program = program;
    }

    /** The program as given in argv[0]. */
    public String program() {
        return program;
    }
}
