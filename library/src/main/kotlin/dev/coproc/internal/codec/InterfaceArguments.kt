package dev.coproc.internal.codec

/**
 * Marks a handle type whose type arguments name interfaces (a managed object's, as in `Managed<Counter>`): its
 * serializer reads them only for their class, to build a proxy, and never decodes data with them. A Java record
 * component of such a type is resolved with the interface as it is, where any other interface is refused.
 */
@Target(AnnotationTarget.CLASS)
@Retention(AnnotationRetention.RUNTIME)
internal annotation class InterfaceArguments
