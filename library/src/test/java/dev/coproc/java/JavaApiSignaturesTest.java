package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
            "\\bkotlinx?\\.|\\bContinuation\\b|\\b\\w+Kt\\b|\\bCompanion\\b|\\w-\\w{7}\\(|\\w\\$coproc\\(");
    private static final Pattern COPROC_TYPE = Pattern.compile("\\bdev\\.coproc\\.(?!java\\.)[\\w.$]*[A-Z][\\w$]*");
    /** Members that hand out the Kotlin object behind a facade on purpose, for code that mixes the two languages. */
    private static final Pattern ESCAPE_HATCH = Pattern.compile("\\b(asKotlin|wrap|manager)\\(");

    @Test
    void theJavaPackageShowsNoKotlinOnlyTypeOrName() throws IOException {
        Map<String, List<String>> offences = new TreeMap<>();
        for (String type : javaPackageTypes()) {
            List<String> lines = offending(publicSignatures(type));
            if (!lines.isEmpty()) offences.put(type, lines);
        }
        assertTrue(offences.isEmpty(), "Kotlin-only types or names in dev.coproc.java:\n" + describe(offences));
    }

    /**
     * Every coproc type a Java caller reaches from {@code dev.coproc.java} (through a signature, a supertype, a
     * builder...), followed to the end: what javac lets Java code see of it (public members that are not synthetic)
     * has no Kotlin-only type or name. A {@code Companion} field is allowed only when nothing needs it: each of its
     * calls but the serialization plugin's {@code serializer()} has a static twin on the class.
     */
    @Test
    void everyCoprocTypeAJavaCallerReachesIsJavaFacing() throws Exception {
        Deque<Class<?>> toVisit = new ArrayDeque<>();
        Set<Class<?>> reached = new HashSet<>();
        for (String name : javaPackageTypes()) toVisit.add(Class.forName(name));
        Map<String, List<String>> offences = new TreeMap<>();
        while (!toVisit.isEmpty()) {
            Class<?> type = toVisit.poll();
            if (!reached.add(type)) continue;
            List<String> followed = new ArrayList<>();
            List<String> kotlinOnly = new ArrayList<>();
            for (Member member : javaVisibleMembers(type)) {
                String line = genericString(member);
                if (member instanceof Field field && field.getName().equals("Companion")) {
                    kotlinOnly.addAll(companionOnlyCalls(type, field.getType()));
                    continue;
                }
                if (KOTLIN_ONLY.matcher(line).find()) kotlinOnly.add(line);
                if (!ESCAPE_HATCH.matcher(line).find()) followed.add(line);
            }
            if (!type.getPackageName().equals("dev.coproc.java") && !kotlinOnly.isEmpty()) offences.put(type.getName(), kotlinOnly);
            List<Class<?>> next = new ArrayList<>();
            if (type.getSuperclass() != null) next.add(type.getSuperclass());
            next.addAll(List.of(type.getInterfaces()));
            for (String line : followed) {
                Matcher matcher = COPROC_TYPE.matcher(line);
                while (matcher.find()) next.add(Class.forName(matcher.group()));
            }
            for (Class<?> candidate : next) {
                if (candidate.getName().startsWith("dev.coproc.") && !candidate.getName().startsWith("dev.coproc.java.")
                        && Modifier.isPublic(candidate.getModifiers())) {
                    toVisit.add(candidate);
                }
            }
        }
        assertTrue(offences.isEmpty(), "coproc types a Java caller reaches, with Kotlin-only members:\n" + describe(offences));
        assertTrue(reached.size() > 30, "the walk reached only " + reached);
    }

    /** The public members of {@code type} that javac shows Java code: declared there, not synthetic, not bridges. */
    private static List<Member> javaVisibleMembers(Class<?> type) {
        List<Member> members = new ArrayList<>();
        for (Field field : type.getDeclaredFields()) {
            if (Modifier.isPublic(field.getModifiers()) && !field.isSynthetic()) members.add(field);
        }
        for (Constructor<?> constructor : type.getDeclaredConstructors()) {
            if (Modifier.isPublic(constructor.getModifiers()) && !constructor.isSynthetic()) members.add(constructor);
        }
        for (Method method : type.getDeclaredMethods()) {
            if (Modifier.isPublic(method.getModifiers()) && !method.isSynthetic() && !method.isBridge()) members.add(method);
        }
        return members;
    }

    /** The member as its declaration reads, without the {@code Type.} that reflection puts before its name. */
    private static String genericString(Member member) {
        String declared = member.getDeclaringClass().getTypeName() + "." + member.getName();
        if (member instanceof Method method) return method.toGenericString().replace(declared, member.getName());
        if (member instanceof Constructor<?> constructor) return constructor.toGenericString();
        return ((Field) member).toGenericString().replace(declared, member.getName());
    }

    /** The calls of {@code companion} that Java could only make through the {@code Companion} field. */
    private static List<String> companionOnlyCalls(Class<?> type, Class<?> companion) {
        List<String> calls = new ArrayList<>();
        for (Method method : companion.getDeclaredMethods()) {
            if (!Modifier.isPublic(method.getModifiers()) || method.isSynthetic() || method.getName().equals("serializer")) continue;
            try {
                if (Modifier.isStatic(type.getMethod(method.getName(), method.getParameterTypes()).getModifiers())) continue;
            } catch (NoSuchMethodException e) {
                // no twin: reported below
            }
            calls.add(type.getName() + ".Companion." + method.getName() + " has no static twin");
        }
        return calls;
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
