package dev.coproc.cluster

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainAll
import java.lang.management.ManagementFactory

/** The flag list lives twice (code for child JVMs, the pom for the test and demo JVMs): this keeps them equal. */
class ClusterFlagsSpec : FunSpec({
    test("the test JVM runs with every flag of ClusterNode.JVM_FLAGS (the pom's ignite.jvm.flags)") {
        ManagementFactory.getRuntimeMXBean().inputArguments shouldContainAll ClusterNode.JVM_FLAGS
    }
})
