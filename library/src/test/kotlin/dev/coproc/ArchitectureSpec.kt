package dev.coproc

import io.kotest.core.spec.style.FunSpec
import io.kotest.assertions.fail
import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.extension
import kotlin.io.path.readText

/**
 * Checks the layering that ARCHITECTURE.md draws, by reading the library's sources: every package imports only
 * packages below it (so no two packages import each other), and only the OS layer touches raw libc. A reference
 * counts whether it is an import or a fully-qualified name in code; comments do not count.
 */
class ArchitectureSpec : FunSpec({
    val sources = listOf(Path.of("src/main/kotlin"), Path.of("src/main/java"))
    val files = sources.flatMap { root -> Files.walk(root).use { it.filter(::isSource).toList() } }
    val packages = files.associateWith { PACKAGE.find(it.readText())?.groupValues?.get(1) ?: "" }
    val known = packages.values.toSet()

    /** The package a qualified name lives in: the longest prefix of it that is a package of the library. */
    fun packageOf(name: String): String? =
        generateSequence(name) { it.substringBeforeLast('.', "").ifEmpty { null } }.firstOrNull { it in known }

    fun referencesOf(file: Path): Sequence<String> =
        REFERENCE.findAll(PACKAGE.replace(codeOf(file), "")).map { it.value }

    test("every package is placed in a layer") {
        known.filter { it !in LAYERS }.shouldBeNone("packages missing from ARCHITECTURE.md's layers")
    }

    test("packages import only packages below them") {
        val upward = files.flatMap { file ->
            val from = packages.getValue(file)
            referencesOf(file).mapNotNull { packageOf(it) }.distinct()
                .filter { to -> to != from && rank(to) >= rank(from) }
                .map { to -> "$from -> $to (${file.fileName})" }
                .toList()
        }
        upward.shouldBeNone("imports of a package that is not below the importer")
    }

    test("only the OS layer calls raw libc") {
        files.filter { packages.getValue(it) != OS_LAYER && LIBC.containsMatchIn(codeOf(it)) }
            .map { "${packages.getValue(it)}: ${it.fileName}" }
            .shouldBeNone("files outside $OS_LAYER that call LibC")
    }
}) {
    private companion object {
        val PACKAGE = Regex("""^package\s+([\w.]+)""", RegexOption.MULTILINE)
        val REFERENCE = Regex("""\bdev\.coproc(?:\.\w+)+""")
        val LIBC = Regex("""\bLibC\b""")
        const val OS_LAYER = "dev.coproc.internal.os"

        /** ARCHITECTURE.md's layers, top first; a package may import only packages of a later line. */
        val LAYERS: Map<String, Int> = listOf(
            listOf("dev.coproc.java"),
            listOf("dev.coproc.java.internal"),
            listOf("dev.coproc.cluster"),
            listOf("dev.coproc.worker"),
            listOf("dev.coproc"),
            listOf("dev.coproc.internal.pool", "dev.coproc.internal.manager"),
            listOf("dev.coproc.internal.channel"),
            listOf("dev.coproc.internal.handles"),
            listOf("dev.coproc.internal.codec"),
            listOf("dev.coproc.internal"),
            listOf("dev.coproc.internal.wire", "dev.coproc.internal.shm"),
            listOf("dev.coproc.os"),
            listOf(OS_LAYER),
        ).withIndex().flatMap { (depth, layer) -> layer.map { it to -depth } }.toMap()

        fun List<String>.shouldBeNone(what: String) {
            if (isNotEmpty()) fail("$size $what:\n" + sorted().joinToString("\n"))
        }

        fun rank(pkg: String): Int = LAYERS[pkg] ?: Int.MAX_VALUE

        fun isSource(path: Path) = path.extension == "kt" || path.extension == "java"

        /** The file's code with comments and string literals blanked out, so that only code counts. */
        fun codeOf(file: Path): String {
            val text = file.readText()
            val code = StringBuilder(text.length)
            var i = 0
            fun skipTo(end: String, from: Int, escapes: Boolean): Int {
                var j = from
                while (j < text.length && !text.startsWith(end, j)) j += if (escapes && text[j] == '\\') 2 else 1
                return minOf(j + end.length, text.length)
            }
            while (i < text.length) {
                val next = when {
                    text.startsWith("//", i) -> skipTo("\n", i + 2, escapes = false)
                    text.startsWith("/*", i) -> skipTo("*/", i + 2, escapes = false)
                    text.startsWith("\"\"\"", i) -> skipTo("\"\"\"", i + 3, escapes = false)
                    text[i] == '"' -> skipTo("\"", i + 1, escapes = true)
                    text[i] == '\'' -> skipTo("'", i + 1, escapes = true)
                    else -> -1
                }
                if (next < 0) code.append(text[i++]) else { code.append(' '); i = next }
            }
            return code.toString()
        }
    }
}
