package dev.coproc.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coproc.ProcessDiedException;
import dev.coproc.RemoteTaskException;
import dev.coproc.WorkerOptions;
import dev.coproc.os.ExitStatus;
import dev.coproc.java.TestRecords.ExitWith;
import dev.coproc.java.TestRecords.Fail;
import dev.coproc.java.TestRecords.RunForever;
import dev.coproc.java.TestRecords.Square;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Java facade, used the way Java code would: futures and blocking calls. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JavaProcessTest {

    @Test
    void resultArrivesThroughAFuture() throws Exception {
        try (JavaProcess<Integer> p = JavaProcess.of(new Square(12)).start()) {
            CompletableFuture<Integer> result = p.result();
            assertEquals(144, result.get(30, TimeUnit.SECONDS));
            assertEquals(ExitStatus.exited(0), p.onExit().get(30, TimeUnit.SECONDS));
            assertTrue(p.pid().isPresent());
        }
    }

    @Test
    void tryWithResourcesAfterTheResultEndsTheChildWithoutThrowing() throws Exception {
        JavaProcess<Integer> kept;
        try (JavaProcess<Integer> p = JavaProcess.of(new Square(4)).start()) {
            assertEquals(16, p.get());
            kept = p;
        }
        assertTrue(kept.onExit().isDone(), "the child still runs after close()");
        assertEquals(OptionalInt.of(0), kept.exitCode());
    }

    @Test
    void blockingGetAndJoin() throws Exception {
        JavaProcess<Integer> p = JavaProcess.of(new Square(5), "java-square", false, WorkerOptions.DEFAULT).start();
        assertEquals(25, p.get());
        assertEquals(0, p.join());
        assertEquals("java-square", p.name());
        assertEquals(OptionalInt.of(0), p.exitCode());
        p.close();
    }

    @Test
    void remoteExceptionIsTyped() throws Exception {
        JavaProcess<Integer> p = JavaProcess.of(new Fail("from java")).start();
        RemoteTaskException error = assertThrows(RemoteTaskException.class, p::get);
        assertEquals("java.lang.IllegalStateException", error.getRemoteClassName());
        assertEquals(1, p.join());
    }

    @Test
    void exitCodeAndDeath() throws Exception {
        JavaProcess<Void> p = JavaProcess.of(new ExitWith(3)).start();
        ProcessDiedException error = assertThrows(ProcessDiedException.class, p::get);
        assertEquals(3, error.getExitStatus().exitCode());
        assertEquals(3, p.join());
    }

    @Test
    void joinWithTimeoutThenKill() throws Exception {
        JavaProcess<Void> p = JavaProcess.of(new RunForever()).start();
        assertFalse(p.join(Duration.ofMillis(200)));
        assertTrue(p.isAlive());
        p.kill();
        assertTrue(p.join(Duration.ofSeconds(10)));
        assertEquals(OptionalInt.of(-9), p.exitCode());
        assertThrows(IllegalStateException.class, () -> JavaProcess.of(new Square(1)).join(Duration.ZERO));
    }

    interface Wait {
        void run(JavaProcess<Void> process) throws Exception;
    }

    /** Waits in {@code wait} on a new thread for a child that never ends, interrupts it, and checks both ends. */
    private static void interruptTerminates(Wait wait) throws Exception {
        JavaProcess<Void> p = JavaProcess.of(new RunForever()).start();
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                wait.run(p);
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(e);
            }
        });
        waiter.start();
        waiter.interrupt();
        assertInstanceOf(InterruptedException.class, thrown.get(30, TimeUnit.SECONDS));
        p.onExit().get(30, TimeUnit.SECONDS);
        assertEquals(OptionalInt.of(-15), p.exitCode(), "the child was not terminated");
        p.close();
    }

    @Test
    void anInterruptedGetOrJoinTerminatesTheChildAndThrowsInterruptedException() throws Exception {
        interruptTerminates(JavaProcess::get);
        interruptTerminates(JavaProcess::join);
        interruptTerminates(p -> p.join(Duration.ofMinutes(5)));
    }

    /** Who the task runs as. */
    record WhoAmI() implements dev.coproc.BlockingTask<String> {
        @Override
        public String call() {
            dev.coproc.ProcessInfo me = JavaProcess.current();
            return me.getName() + " " + me.getPid() + " " + me.getParentPid();
        }
    }

    @Test
    void aTaskKnowsItsProcessNameAndPids() throws Exception {
        try (JavaProcess<String> p = JavaProcess.of(new WhoAmI(), "who", false, WorkerOptions.DEFAULT).start()) {
            String[] seen = p.get().split(" ");
            assertEquals("who", seen[0]);
            assertEquals(p.pid().getAsLong(), Long.parseLong(seen[1]));
            assertEquals(ProcessHandle.current().pid(), Long.parseLong(seen[2]));
        }
        assertEquals("MainProcess", JavaProcess.current().getName());
    }

    @Test
    void cancellingAFutureDoesNotChangeTheProcess() throws Exception {
        JavaProcess<Integer> p = JavaProcess.of(new Square(3)).start();
        p.result().cancel(true);
        assertEquals(9, p.get());
        assertEquals(0, p.join());
    }

    private static long fdsBefore;

    @BeforeAll
    static void countFds() throws Exception {
        JavaProcess.of(new Square(1)).start().join(); // opens the reaper's pipe and loads native code once
        fdsBefore = TestHygiene.fdsBefore();
    }

    /** No child of this JVM is left after the class, running or zombie, and no fd leaked. */
    @AfterAll
    static void noChildLeft() throws Exception {
        TestHygiene.assertNothingLeft(fdsBefore);
    }
}
