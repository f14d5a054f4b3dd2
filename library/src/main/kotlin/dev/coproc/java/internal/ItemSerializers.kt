package dev.coproc.java.internal

import dev.coproc.internal.codec.TypeSerializers
import kotlinx.serialization.KSerializer

/** The serializers of what the Java facades carry, from a `Class`: as a record's component of that type travels. */
internal object ItemSerializers {
    /**
     * The serializer of [type]'s values (`Integer`, `String`, a record, an enum...).
     *
     * @throws IllegalArgumentException naming the type and why, when it cannot travel
     */
    @JvmStatic
    @Suppress("UNCHECKED_CAST")
    fun <T> of(type: Class<T>): KSerializer<T> = TypeSerializers.ofItems(type) as KSerializer<T>
}
