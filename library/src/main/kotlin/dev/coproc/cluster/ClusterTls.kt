package dev.coproc.cluster

import java.nio.file.Path

/**
 * TLS for a node's discovery and communication: this node's key and certificate ([keyStore]) and the
 * certificates it trusts ([trustStore]), PKCS #12 files by default. Every node of a cluster needs it: a node
 * without TLS (or not trusted) cannot join one with it. Ignite's community edition has no other peer
 * authentication: without TLS, any process that can reach the ports can join.
 */
public class ClusterTls @JvmOverloads constructor(
    public val keyStore: Path,
    keyStorePassword: CharArray,
    public val trustStore: Path,
    trustStorePassword: CharArray,
    public val storeType: String = "PKCS12",
) {
    @get:JvmSynthetic
    internal val keyStorePassword: CharArray = keyStorePassword.clone()
    @get:JvmSynthetic
    internal val trustStorePassword: CharArray = trustStorePassword.clone()

    override fun toString(): String = "ClusterTls(keyStore=$keyStore, trustStore=$trustStore, $storeType)"
}
