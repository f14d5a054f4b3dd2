package dev.coproc.internal.channel

import dev.coproc.worker.WorkerMain
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

class WorkerLaunchSpec : FunSpec({
    test("the worker's main class named on its command line is WorkerMain") {
        WorkerLaunch.WORKER_MAIN_CLASS shouldBe WorkerMain::class.java.name
    }
})
