package dev.coproc.java;

import dev.coproc.Daemon;
import dev.coproc.DaemonStatus;
import dev.coproc.java.internal.CommandCalls;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A command run as a Unix daemon, for Java callers: detached in a session of its own, its pid in a locked pidfile,
 * so that any later JVM can ask for its status, stop or restart it, and a recycled pid is never signalled.
 *
 * <pre>{@code
 * JavaDaemon web = JavaDaemon.builder(JavaCommand.of("python3", "-m", "http.server"), Path.of("/run/user/1000/web.pid"))
 *         .logFile(Path.of("web.log"))
 *         .build();
 * long pid = web.start();
 * if (web.status() instanceof DaemonStatus.Running running) System.out.println(running.getPid());
 * web.stop();
 * }</pre>
 */
public final class JavaDaemon {
    private final Daemon daemon;

    private JavaDaemon(Daemon daemon) {
        this.daemon = daemon;
    }

    /** A daemon running {@code command}, its pid in {@code pidFile}, with the defaults {@link Builder} lists. */
    public static JavaDaemon of(JavaCommand command, Path pidFile) {
        return builder(command, pidFile).build();
    }

    /** Starts describing a daemon running {@code command}, its pid in {@code pidFile}. */
    public static Builder builder(JavaCommand command, Path pidFile) {
        return new Builder(command, pidFile);
    }

    /** Wraps a daemon made by Kotlin code. */
    public static JavaDaemon wrap(Daemon daemon) {
        return new JavaDaemon(daemon);
    }

    /**
     * Starts it, detached, and returns its pid once it runs and holds its pidfile.
     *
     * @throws dev.coproc.DaemonAlreadyRunningException when the pidfile names a running daemon
     */
    public long start() {
        return daemon.start();
    }

    /** Whether it runs, as its pidfile and the process it names say now. */
    public DaemonStatus status() {
        return daemon.status();
    }

    /**
     * Stops it: SIGTERM to its process group, SIGKILL after the stop grace; removes the pidfile. False when it was
     * not running.
     *
     * @throws dev.coproc.DaemonUnverifiedException when the pidfile's lock is held by another process than the one
     *     it names: nothing is signalled
     */
    public boolean stop() throws InterruptedException {
        return CommandCalls.stop(daemon);
    }

    /** {@link #stop()} if running, then {@link #start()}; the new pid. */
    public long restart() throws InterruptedException {
        return CommandCalls.restart(daemon);
    }

    /** The pidfile. */
    public Path pidFile() {
        return daemon.getPidFile();
    }

    /** The Kotlin daemon behind this facade. */
    public Daemon asKotlin() {
        return daemon;
    }

    @Override
    public String toString() {
        return daemon.toString();
    }

    /** What a daemon runs and how; {@link #build()} makes it. */
    public static final class Builder {
        private final JavaCommand command;
        private final Path pidFile;
        private Path logFile;
        private Path workingDirectory = Path.of("/");
        private int umask = 027;
        private Duration stopGrace = Duration.ofSeconds(10);

        private Builder(JavaCommand command, Path pidFile) {
            this.command = command;
            this.pidFile = pidFile;
        }

        /** Where its stdout and stderr go, appended (default: {@code /dev/null}). */
        public Builder logFile(Path value) {
            logFile = value;
            return this;
        }

        /** Where it runs (default: {@code /}, so that it holds no mount busy). */
        public Builder workingDirectory(Path value) {
            workingDirectory = value;
            return this;
        }

        /** Its umask (default: {@code 027}). */
        public Builder umask(int value) {
            umask = value;
            return this;
        }

        /** How long {@link #stop()} waits after SIGTERM before SIGKILL (default: 10 s). */
        public Builder stopGrace(Duration value) {
            stopGrace = value;
            return this;
        }

        public JavaDaemon build() {
            return new JavaDaemon(CommandCalls.daemon(command.asKotlin(), pidFile, logFile, workingDirectory, umask, stopGrace));
        }
    }
}
