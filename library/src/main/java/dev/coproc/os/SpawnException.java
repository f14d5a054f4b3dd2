package dev.coproc.os;

import java.nio.file.Path;

/** A program could not be started: it was not found, is not executable, or its working directory is bad. */
public final class SpawnException extends OsException {
    private final String program;

    SpawnException(String program, Path directory, int errno) {
        super(errno, "cannot start " + program + (directory == null ? "" : " in " + directory));
        this.program = program;
    }

    /** The program as given in argv[0]. */
    public String program() {
        return program;
    }
}
