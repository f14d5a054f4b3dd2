package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What a Java caller of {@code dev.coproc.java} reads and writes, as {@code javap} shows the compiled classes:
 * no Kotlin-only type ({@code kotlin.*}, a {@code Continuation}, a {@code ...Kt} file class, a
 * {@code Companion}) and no mangled name, in the package itself and in the coproc types its signatures hand out.
 */
class JavaApiSignaturesTest {
    private static final Path CLASSES = Path.of("target/classes");
    private static final Pattern KOTLIN_ONLY = Pattern.compile(
            "\\bkotlin\\.|\\bContinuation\\b|\\b\\w+Kt\\b|\\bCompanion\\b|\\w-\\w{7}\\(|\\w\\$coproc\\(");
    private static final Pattern COPROC_TYPE = Pattern.compile("\\bdev\\.coproc\\.(?!java\\.)[\\w.$]*[A-Z][\\w$]*");
    /** Members that hand out the Kotlin object behind a facade on purpose, for code that mixes the two languages. */
    private static final Pattern ESCAPE_HATCH = Pattern.compile("\\b(asKotlin|wrap|manager)\\(");

    /**
     * Coproc types that {@code dev.coproc.java} still hands out and whose own API is Kotlin-facing: each gets a
     * Java facade (or loses its Kotlin-only members) in a later step of the Java API's work, and leaves this list.
     * The test fails when a type not listed here offends, and when a listed one no longer does.
     */
    private static final Set<String> NOT_YET_JAVA = Set.of(
            "dev.coproc.Barrier", "dev.coproc.Condition", "dev.coproc.Managed", "dev.coproc.ManagedArray",
            "dev.coproc.ManagedBarrier", "dev.coproc.ManagedJoinableQueue", "dev.coproc.ManagedList",
            "dev.coproc.ManagedNamespace", "dev.coproc.ManagedQueue", "dev.coproc.ManagedValue",
            "dev.coproc.ManagerLimits", "dev.coproc.PoolOptions", "dev.coproc.RLock", "dev.coproc.SharedDouble",
            "dev.coproc.SharedDoubleArray", "dev.coproc.SharedInt", "dev.coproc.SharedIntArray", "dev.coproc.SharedLong",
            "dev.coproc.SharedLongArray", "dev.coproc.SharedString", "dev.coproc.Task", "dev.coproc.TaskFunction",
            "dev.coproc.WorkerOptions");

    @Test
    void theJavaPackageShowsNoKotlinOnlyTypeOrName() throws IOException {
        Map<String, List<String>> offences = new TreeMap<>();
        for (String type : javaPackageTypes()) {
            List<String> lines = offending(publicSignatures(type));
            if (!lines.isEmpty()) offences.put(type, lines);
        }
        assertTrue(offences.isEmpty(), "Kotlin-only types or names in dev.coproc.java:\n" + describe(offences));
    }

    @Test
    void theCoprocTypesItHandsOutAreJavaFacingTooExceptThoseListed() throws IOException {
        Set<String> handedOut = new TreeSet<>();
        for (String type : javaPackageTypes()) {
            for (String line : publicSignatures(type)) {
                if (ESCAPE_HATCH.matcher(line).find()) continue;
                Matcher matcher = COPROC_TYPE.matcher(line);
                while (matcher.find()) handedOut.add(matcher.group());
            }
        }
        Map<String, List<String>> offences = new TreeMap<>();
        for (String type : handedOut) {
            List<String> lines = offending(publicSignatures(type));
            if (!lines.isEmpty()) offences.put(type, lines);
        }
        Map<String, List<String>> unexpected = new TreeMap<>(offences);
        unexpected.keySet().removeAll(NOT_YET_JAVA);
        assertTrue(unexpected.isEmpty(), "coproc types handed out to Java with Kotlin-only members:\n" + describe(unexpected));
        Set<String> mended = new TreeSet<>(NOT_YET_JAVA);
        mended.removeAll(offences.keySet());
        assertEquals(Set.of(), mended, "Java-facing now (or no longer handed out): remove them from NOT_YET_JAVA");
    }

    /** The public top-level classes of dev.coproc.java. */
    private static List<String> javaPackageTypes() throws IOException {
        try (Stream<Path> files = Files.list(CLASSES.resolve("dev/coproc/java"))) {
            List<String> names = files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".class") && !name.contains("$"))
                    .map(name -> "dev.coproc.java." + name.substring(0, name.length() - ".class".length()))
                    .sorted()
                    .collect(Collectors.toList());
            List<String> publicOnes = new ArrayList<>();
            for (String name : names) if (!publicSignatures(name).isEmpty()) publicOnes.add(name);
            return publicOnes;
        }
    }

    /** javap's lines for {@code type}'s public members (and its declaration); empty for a class that is not public. */
    private static List<String> publicSignatures(String type) {
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = javap.run(new PrintWriter(out), new PrintWriter(err), "-public", "-cp", CLASSES.toString(), type);
        assertEquals(0, status, "javap " + type + ": " + err);
        return out.toString().lines().filter(line -> !line.startsWith("Compiled from")).collect(Collectors.toList());
    }

    private static List<String> offending(List<String> lines) {
        return lines.stream().filter(line -> KOTLIN_ONLY.matcher(line).find()).collect(Collectors.toList());
    }

    private static String describe(Map<String, List<String>> offences) {
        StringBuilder text = new StringBuilder();
        offences.forEach((type, lines) -> {
            text.append(type).append('\n');
            lines.forEach(line -> text.append("    ").append(line.trim()).append('\n'));
        });
        return text.toString();
    }
}
