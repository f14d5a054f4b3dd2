package dev.coproc.java.internal

import dev.coproc.ManagedDict
import dev.coproc.ManagedDictSerializer
import kotlinx.serialization.KSerializer

/** How the Java facades of manager proxies travel: as the Kotlin proxies they wrap. */
internal object ManagerCalls {
    @JvmStatic
    fun <K, V> dictSerializer(keys: KSerializer<K>, values: KSerializer<V>): KSerializer<ManagedDict<K, V>> = ManagedDictSerializer(keys, values)
}
