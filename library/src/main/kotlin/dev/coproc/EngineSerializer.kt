package dev.coproc

import dev.coproc.internal.handles.EngineHandleSerializer
import kotlinx.serialization.KSerializer

/** An [EngineHandleSerializer] whose remote handle, where no engine here resolves it, fails with [ClusterUnavailableException]. */
internal open class EngineSerializer<I : Any>(
    serialName: String,
    what: String,
    localClass: Class<*>,
    local: KSerializer<*>,
    itemSerializer: KSerializer<*>? = null,
    managedClass: Class<*>? = null,
    managed: KSerializer<*>? = null,
) : EngineHandleSerializer<I>(serialName, what, localClass, local, itemSerializer, managedClass, managed, { ClusterUnavailableException(it) })
