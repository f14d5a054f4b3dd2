package dev.coproc.cluster

import dev.coproc.ClusterStartException
import dev.coproc.Command
import dev.coproc.Hygiene
import dev.coproc.Process
import dev.coproc.Square
import dev.coproc.Task
import dev.coproc.WorkerOptions
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.file.Files
import java.nio.file.Path
import kotlin.time.Duration.Companion.seconds
import kotlinx.serialization.Serializable

/** Cluster nodes with TLS: they form a cluster among themselves, and a node without TLS is kept out. */
class ClusterTlsSpec : FunSpec({
    timeout = 180_000
    val directory = Files.createTempDirectory("coproc-tls")
    afterSpec { directory.toFile().deleteRecursively() }
    extension(Hygiene)

    test("nodes with TLS form a cluster and run tasks; a client without TLS cannot join it") {
        val password = "test-password"
        selfSignedStores(directory, password)
        val settings = TestCluster.settings()
        // In a child JVM: Ignite 2.17 leaves one socket open in a JVM that ran TLS nodes, even after they stop.
        val scenario = Process(
            TlsScenario(directory.toString(), password, settings.discoveryPort, settings.communicationPort),
            options = WorkerOptions { jvmArgs(*ClusterNode.JVM_FLAGS.toTypedArray()) },
        ).also { it.start() }
        val outcome = scenario.await()
        scenario.join()
        outcome.serversWithTls shouldBe 2
        outcome.squares shouldBe (1..10).map { it * it }
        outcome.plainClientRefused shouldBe true
        outcome.serversAfter shouldBe 2
    }
})

@Serializable
class TlsOutcome(val serversWithTls: Int, val squares: List<Int>, val plainClientRefused: Boolean, val serversAfter: Int)

/** Two TLS server nodes, a task map across them, then a client without TLS trying to join (5 s at most). */
@Serializable
class TlsScenario(val directory: String, val password: String, val discoveryPort: Int, val communicationPort: Int) : Task<TlsOutcome> {
    override suspend fun run(): TlsOutcome {
        val tls = ClusterTls(Path.of(directory, "node.p12"), password.toCharArray(), Path.of(directory, "trust.p12"), password.toCharArray())
        val settings = ClusterSettings.builder().discoveryPort(discoveryPort).discoveryPortRange(20).communicationPort(communicationPort).tls(tls).build()
        ClusterNode.startServer(settings).use { first ->
            ClusterNode.startServer(settings).use { second ->
                val servers = first.serverCount()
                val squares = clusterPool(second, parallelism = 2) { map((1..10).map { Square(it) }) }
                val refused = try {
                    ClusterNode.joinAsClient(settings.toBuilder().tls(null).joinTimeout(5.seconds).build()).close()
                    false
                } catch (e: ClusterStartException) {
                    true
                }
                return TlsOutcome(servers, squares, refused, first.serverCount())
            }
        }
    }
}

/** A key pair and self-signed certificate made by the JDK's keytool, and a trust store holding the certificate. */
private suspend fun selfSignedStores(directory: Path, password: String) {
    val keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString()
    val keyStore = directory.resolve("node.p12").toString()
    val certificate = directory.resolve("node.crt").toString()
    val trustStore = directory.resolve("trust.p12").toString()
    Command(keytool, "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=coproc-test",
        "-validity", "2", "-keystore", keyStore, "-storetype", "PKCS12", "-storepass", password).check().run()
    Command(keytool, "-exportcert", "-alias", "node", "-keystore", keyStore, "-storepass", password, "-file", certificate).check().run()
    Command(keytool, "-importcert", "-noprompt", "-alias", "node", "-file", certificate, "-keystore", trustStore,
        "-storetype", "PKCS12", "-storepass", password).check().run()
}
