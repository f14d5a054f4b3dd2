package dev.coproc;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Starts the suite's workers from jars of {@code target/classes} and {@code target/test-classes} instead of the
 * directories themselves, by giving {@code java.class.path} (which workers start from) the jars in their place.
 * Only a classpath of jars gets a class data archive (see {@code ClassDataArchive}), which halves each worker's
 * start in CPU time, and the suite starts hundreds of them on two cores. This JVM keeps loading from the
 * directories; the tests that need a classpath with directories take {@link #originalClasspath()}.
 */
public final class ClassDirectoriesAsJars implements LauncherSessionListener {
    /** The system property that holds {@code java.class.path} as the JVM was started, directories included. */
    private static final String ORIGINAL_CLASSPATH = "coproc.test.originalClasspath";

    /** {@code java.class.path} as this JVM was started, with the class directories. */
    public static String originalClasspath() {
        return System.getProperty(ORIGINAL_CLASSPATH, System.getProperty("java.class.path"));
    }

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        if (System.getProperty(ORIGINAL_CLASSPATH) != null) return;
        String classpath = System.getProperty("java.class.path");
        List<String> entries = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            Path directory = Path.of(entry);
            if (!Files.isDirectory(directory)) {
                entries.add(entry);
                continue;
            }
            Path jar = directory.toAbsolutePath().resolveSibling("worker-jars").resolve(directory.getFileName() + ".jar");
            try {
                if (!upToDate(jar, directory)) pack(directory, jar);
                entries.add(jar.toString());
            } catch (IOException | UncheckedIOException e) {
                // Workers start from the directory then, only slower.
                entries.add(entry);
            }
        }
        System.setProperty(ORIGINAL_CLASSPATH, classpath);
        System.setProperty("java.class.path", String.join(File.pathSeparator, entries));
    }

    /**
     * Whether the jar is newer than everything in the directory: then its archive, keyed by the jar's
     * modification time, is mapped again (a directory's own time changes when a file in it is added or removed).
     */
    private static boolean upToDate(Path jar, Path directory) throws IOException {
        if (!Files.isRegularFile(jar)) return false;
        FileTime packed = Files.getLastModifiedTime(jar);
        try (Stream<Path> files = Files.walk(directory)) {
            return files.allMatch(file -> {
                try {
                    return Files.getLastModifiedTime(file).compareTo(packed) < 0;
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    private static void pack(Path directory, Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        // Its own file: an IDE and Maven may pack the same directory at once.
        Path partial = Files.createTempFile(jar.getParent(), jar.getFileName().toString(), ".partial");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(partial)); Stream<Path> files = Files.walk(directory)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                out.putNextEntry(new JarEntry(directory.relativize(file).toString().replace(File.separatorChar, '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        } catch (IOException | UncheckedIOException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(partial, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
