package dev.coproc.internal.os;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * Starts a program with {@code posix_spawn}: explicit argv, environment and working directory, chosen file
 * descriptors placed at fixed numbers in the child, and every other descriptor of this JVM kept out of it.
 *
 * <p>The JDK opens files without {@code O_CLOEXEC}, so "close-on-exec" alone would leak them; the spawn
 * therefore asks glibc to close every fd above the mapped ones in the child ({@code closefrom}), which no
 * concurrent {@code open} in another thread can race. Signal dispositions and the signal mask are reset to
 * the defaults, as Python's {@code restore_signals} does. A {@code vfork}-style spawn copies no page tables,
 * so it costs the same whatever this JVM's heap size.
 *
 * <pre>{@code
 * int pid = Spawn.of(List.of("/bin/echo", "hi")).stdout(Spawn.Redirect.NULL).start();
 * ExitStatus status = Reaper.get().watch(pid).join();
 * }</pre>
 */
public final class Spawn {
    /** Where one of the child's standard streams goes. */
    public static final class Redirect {
        /** The child shares this JVM's stream. */
        public static final Redirect INHERIT = new Redirect(null, null, 0);
        /** {@code /dev/null}. */
        public static final Redirect NULL = new Redirect(null, Path.of("/dev/null"), 0);
        /** For stderr: wherever the child's stdout goes (its fd 1, duplicated). */
        public static final Redirect STDOUT = new Redirect(null, null, -1);

        final Fd fd;
        final Path path;
        final int flags;

        private Redirect(Fd fd, Path path, int flags) {
            this.fd = fd;
            this.path = path;
            this.flags = flags;
        }

        /** A descriptor of this JVM, such as one end of a pipe. */
        public static Redirect to(Fd fd) {
            return new Redirect(fd, null, 0);
        }

        /** A file to read, for stdin. */
        public static Redirect input(Path path) {
            return new Redirect(null, path, 0);
        }

        /** A file, created 0600 if missing; truncated unless {@code append}. */
        public static Redirect file(Path path, boolean append) {
            return new Redirect(null, path, LibC.O_CREAT | (append ? LibC.O_APPEND : LibC.O_TRUNC));
        }
    }

    private final List<String> argv;
    private Map<String, String> environment;
    private Path directory;
    private Redirect stdin = Redirect.NULL;
    private Redirect stdout = Redirect.INHERIT;
    private Redirect stderr = Redirect.INHERIT;
    private final Map<Integer, Fd> mappedFds = new LinkedHashMap<>();
    private boolean newProcessGroup;
    private boolean newSession;

    private Spawn(List<String> argv) {
        if (argv.isEmpty()) throw new IllegalArgumentException("argv must name a program");
        this.argv = List.copyOf(argv);
    }

    /** A spawn of {@code argv}; a program without a slash is searched in {@code PATH}. */
    public static Spawn of(List<String> argv) {
        return new Spawn(argv);
    }

    /** The child's whole environment; this JVM's when never set. */
    public Spawn environment(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        return this;
    }

    /** The child's working directory; this JVM's when never set. */
    public Spawn directory(Path directory) {
        this.directory = directory;
        return this;
    }

    /** The child's stdin; {@code /dev/null} by default. */
    public Spawn stdin(Redirect redirect) {
        this.stdin = redirect;
        return this;
    }

    /** The child's stdout; this JVM's by default. */
    public Spawn stdout(Redirect redirect) {
        this.stdout = redirect;
        return this;
    }

    /** The child's stderr; this JVM's by default. */
    public Spawn stderr(Redirect redirect) {
        this.stderr = redirect;
        return this;
    }

    /** Places this JVM's {@code fd} at number {@code childFd} (3 or above) in the child. */
    public Spawn mapFd(Fd fd, int childFd) {
        if (childFd < 3) throw new IllegalArgumentException("fds 0-2 are set with stdin/stdout/stderr, not " + childFd);
        mappedFds.put(childFd, fd);
        return this;
    }

    /** Puts the child in a new process group whose id is its pid, so a signal can reach it and all it starts. */
    public Spawn newProcessGroup(boolean value) {
        this.newProcessGroup = value;
        return this;
    }

    /** Makes the child a session leader, detached from this JVM's controlling terminal. */
    public Spawn newSession(boolean value) {
        this.newSession = value;
        return this;
    }

    /**
     * Starts the child and returns its pid. The caller owns the child: hand the pid to {@link Reaper#watch}.
     *
     * @throws SpawnException when the program cannot be started (not found, not executable, bad directory), or
     *     before anything is spawned when a string holds a NUL character (see {@link #checkStrings})
     */
    public int start() throws OsException {
        checkStrings(argv, environment, directory);
        LibC c = LibC.get();
        jnr.ffi.Runtime runtime = LibC.runtime();
        Pointer actions = Memory.allocateDirect(runtime, LibC.SPAWN_STRUCT_BYTES, true);
        Pointer attributes = Memory.allocateDirect(runtime, LibC.SPAWN_STRUCT_BYTES, true);
        Pointer emptySet = Memory.allocateDirect(runtime, LibC.SIGSET_BYTES, true);
        Pointer fullSet = Memory.allocateDirect(runtime, LibC.SIGSET_BYTES, true);
        List<Fd> temporaries = new ArrayList<>();
        check(c.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
        check(c.posix_spawnattr_init(attributes), "posix_spawnattr_init");
        try {
            int highestTarget = 2;
            for (int target : mappedFds.keySet()) highestTarget = Math.max(highestTarget, target);
            redirect(c, actions, 0, stdin, LibC.O_RDONLY, highestTarget, temporaries);
            redirect(c, actions, 1, stdout, LibC.O_WRONLY, highestTarget, temporaries);
            redirect(c, actions, 2, stderr, LibC.O_WRONLY, highestTarget, temporaries);
            for (Map.Entry<Integer, Fd> mapping : mappedFds.entrySet()) {
                int source = movedAbove(mapping.getValue().number(), highestTarget, temporaries);
                check(c.posix_spawn_file_actions_adddup2(actions, source, mapping.getKey()), "adddup2");
            }
            if (directory != null) {
                check(c.posix_spawn_file_actions_addchdir_np(actions, directory.toString()), "addchdir_np");
            }
            try {
                check(c.posix_spawn_file_actions_addclosefrom_np(actions, highestTarget + 1), "addclosefrom_np");
            } catch (UnsatisfiedLinkError e) {
                throw new UnsupportedOperationException(
                        "coproc needs glibc 2.34 or later (posix_spawn_file_actions_addclosefrom_np) to keep fds out of children", e);
            }

            short flags = (short) (LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF);
            if (newProcessGroup) {
                flags |= LibC.POSIX_SPAWN_SETPGROUP;
                check(c.posix_spawnattr_setpgroup(attributes, 0), "setpgroup");
            }
            if (newSession) flags |= LibC.POSIX_SPAWN_SETSID;
            c.sigemptyset(emptySet);
            c.sigfillset(fullSet);
            check(c.posix_spawnattr_setsigmask(attributes, emptySet), "setsigmask");
            check(c.posix_spawnattr_setsigdefault(attributes, fullSet), "setsigdefault");
            check(c.posix_spawnattr_setflags(attributes, flags), "setflags");

            List<Pointer> keepAlive = new ArrayList<>();
            Pointer argvArray = cStrings(argv, keepAlive);
            Pointer envArray = environment != null ? cStrings(environmentLines(environment), keepAlive) : InheritedEnvironment.ARRAY;
            IntByReference pid = new IntByReference();
            String program = argv.get(0);
            int rc = program.indexOf('/') >= 0
                    ? c.posix_spawn(pid, program, actions, attributes, argvArray, envArray)
                    : c.posix_spawnp(pid, program, actions, attributes, argvArray, envArray);
            if (rc != 0) throw new SpawnException(program, directory, rc);
            java.lang.ref.Reference.reachabilityFence(keepAlive);
            return pid.intValue();
        } finally {
            c.posix_spawn_file_actions_destroy(actions);
            c.posix_spawnattr_destroy(attributes);
            for (Fd temporary : temporaries) temporary.close();
        }
    }

    /**
     * Refuses what a C string cannot carry, before anything is spawned: a NUL character in {@code argv}, in an
     * environment variable's name or value, or in {@code directory} would silently cut it short (an argument
     * {@code "x\0; rm it"} would arrive as {@code "x"}), and an {@code '='} in a name would move the rest into
     * the value. {@link #start} checks its own strings; a caller that wraps argv first (in {@code nice}, a
     * shell) checks what it was given, so that the error names the argument by the caller's index.
     *
     * @param environment null for this JVM's, which holds no such string
     * @param directory null for this JVM's
     * @throws SpawnException (EINVAL) naming the argument by its index, or the variable by its name (never the
     *     value, which may be a secret)
     */
    public static void checkStrings(List<String> argv, Map<String, String> environment, Path directory) throws SpawnException {
        String program = argv.isEmpty() ? "" : argv.get(0);
        for (int i = 0; i < argv.size(); i++) {
            int nul = argv.get(i).indexOf('\0');
            if (nul >= 0) throw new SpawnException(program, (i == 0 ? "the program name" : "argument " + i) + cut(nul));
        }
        if (environment != null) {
            for (Map.Entry<String, String> variable : environment.entrySet()) {
                String name = variable.getKey();
                if (name.isEmpty() || name.indexOf('\0') >= 0 || name.indexOf('=') >= 0) {
                    throw new SpawnException(program, "environment variable name \"" + name.replace("\0", "\\0")
                            + "\" is empty or holds a NUL character or an '='");
                }
                int nul = variable.getValue().indexOf('\0');
                if (nul >= 0) throw new SpawnException(program, "the value of environment variable " + name + cut(nul));
            }
        }
        if (directory != null) {
            int nul = directory.toString().indexOf('\0');
            if (nul >= 0) throw new SpawnException(program, "the working directory" + cut(nul));
        }
    }

    private static String cut(int offset) {
        return " holds a NUL character (at offset " + offset + "), which would cut it short";
    }

    private static void redirect(LibC c, Pointer actions, int target, Redirect redirect, int access,
                                 int highestTarget, List<Fd> temporaries) throws OsException {
        if (redirect == Redirect.STDOUT) {
            if (target != 2) throw new IllegalArgumentException("Redirect.STDOUT is for stderr");
            check(c.posix_spawn_file_actions_adddup2(actions, 1, 2), "adddup2");
        } else if (redirect.fd != null) {
            int source = movedAbove(redirect.fd.number(), highestTarget, temporaries);
            check(c.posix_spawn_file_actions_adddup2(actions, source, target), "adddup2");
        } else if (redirect.path != null) {
            check(c.posix_spawn_file_actions_addopen(actions, target, redirect.path.toString(), access | redirect.flags, 0600),
                    "addopen");
        }
    }

    /**
     * A source fd at or below the highest target could be overwritten by an earlier dup2, and dup2 onto the same
     * number would keep its close-on-exec flag: use a close-on-exec duplicate above every target instead.
     */
    private static int movedAbove(int fd, int highestTarget, List<Fd> temporaries) throws OsException {
        if (fd > highestTarget) return fd;
        int copy = LibC.get().fcntl(fd, LibC.F_DUPFD_CLOEXEC, highestTarget + 1);
        if (copy < 0) throw OsException.lastError("fcntl(F_DUPFD_CLOEXEC)");
        temporaries.add(new Fd(copy));
        return copy;
    }

    private static List<String> environmentLines(Map<String, String> source) {
        List<String> lines = new ArrayList<>(source.size());
        source.forEach((key, value) -> lines.add(key + "=" + value));
        return lines;
    }

    /** This JVM's environment as a {@code char*[]}, built once: {@link System#getenv()} never changes. */
    private static final class InheritedEnvironment {
        private static final List<Pointer> KEEP_ALIVE = new ArrayList<>();
        static final Pointer ARRAY = cStrings(environmentLines(System.getenv()), KEEP_ALIVE);
    }

    /**
     * A NULL-terminated {@code char*[]} whose strings share one native block (one allocation, not one per
     * string: a spawn is short, so they count); both stay reachable through {@code keepAlive} during the call.
     */
    private static Pointer cStrings(List<String> strings, List<Pointer> keepAlive) {
        jnr.ffi.Runtime runtime = LibC.runtime();
        byte[][] encoded = new byte[strings.size()][];
        long total = 0;
        for (int i = 0; i < encoded.length; i++) {
            encoded[i] = strings.get(i).getBytes(StandardCharsets.UTF_8);
            total += encoded[i].length + 1;
        }
        Pointer array = Memory.allocateDirect(runtime, (long) (strings.size() + 1) * runtime.addressSize(), true);
        Pointer block = Memory.allocateDirect(runtime, Math.max(1, total), true);
        keepAlive.add(array);
        keepAlive.add(block);
        long at = 0;
        for (int i = 0; i < encoded.length; i++) {
            block.put(at, encoded[i], 0, encoded[i].length);
            array.putPointer((long) i * runtime.addressSize(), block.slice(at));
            at += encoded[i].length + 1;
        }
        return array;
    }

    private static void check(int rc, String call) throws OsException {
        if (rc != 0) throw new OsException(call, rc);
    }
}
