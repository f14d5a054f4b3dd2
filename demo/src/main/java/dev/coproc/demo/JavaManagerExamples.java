package dev.coproc.demo;

import dev.coproc.BlockingTask;
import dev.coproc.CommandResult;
import dev.coproc.java.JavaCommand;
import dev.coproc.java.JavaDict;
import dev.coproc.java.JavaList;
import dev.coproc.java.JavaManager;
import dev.coproc.java.JavaNamespace;
import dev.coproc.java.JavaPool;
import dev.coproc.java.JavaProcess;
import dev.coproc.java.JavaQueue;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The Kotlin {@code ManagerExamples} written against the Java API only. */
public final class JavaManagerExamples {
    private JavaManagerExamples() {}

    /** The seeds' worker: puts its pid into the dict under its name and appends it to the list. */
    record WritePid(JavaDict<Integer, Long> dict, JavaList<Long> list, int name) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            long pid = ProcessHandle.current().pid();
            dict.put(name, pid);
            list.add(pid);
            System.out.println(name + " worker: " + list.snapshot());
            return null;
        }
    }

    /** The seeds' {@code managerContext()}: ten processes fill a manager's dict and list, the parent prints them. */
    public static final class ManagerDictList {
        private ManagerDictList() {}

        public static void run() throws Exception {
            try (JavaManager manager = JavaManager.start()) {
                JavaDict<Integer, Long> dict = manager.dict(Integer.class, Long.class);
                JavaList<Long> list = manager.list(Long.class);
                List<JavaProcess<Void>> jobs = new ArrayList<>();
                for (int i = 0; i < 10; i++) jobs.add(JavaProcess.of(new WritePid(dict, list, i)).start());
                for (JavaProcess<Void> job : jobs) job.join();
                System.out.println("dict: " + dict.items());
                System.out.println("list: " + list.snapshot());
            }
        }
    }

    /** Sets attributes of a manager's namespace from a child. */
    record FillNamespace(JavaNamespace namespace) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            namespace.set("x", Integer.class, 10);
            namespace.set("y", String.class, "hello from " + ProcessHandle.current().pid());
            return null;
        }
    }

    /** A Namespace updated by a child and read by the parent, as Python's {@code Manager().Namespace()}. */
    public static final class ManagerNamespace {
        private ManagerNamespace() {}

        public static void run() throws Exception {
            try (JavaManager manager = JavaManager.start()) {
                JavaNamespace namespace = manager.namespace();
                namespace.set("x", Integer.class, 1);
                print("before: ", namespace);
                JavaProcess.of(new FillNamespace(namespace)).start().join();
                print("after:  ", namespace);
            }
        }

        /** An unset attribute prints as null, as in the Kotlin example. */
        private static void print(String label, JavaNamespace namespace) throws InterruptedException {
            Integer x = namespace.get("x", Integer.class).orElse(null);
            String y = namespace.get("y", String.class).orElse(null);
            System.out.println(label + "x=" + x + ", y=" + y);
        }
    }

    /** A pool task that puts its result into a manager queue instead of returning it. */
    record SquareInto(JavaQueue<String> results, int n) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            results.put(n + " squared is " + n * n + " (pid " + ProcessHandle.current().pid() + ")");
            return null;
        }
    }

    /** The seeds' {@code Manager().Queue()} handed to pool tasks: the tasks put, the parent drains. */
    public static final class ManagerQueue {
        private ManagerQueue() {}

        public static void run() throws Exception {
            try (JavaManager manager = JavaManager.start()) {
                JavaQueue<String> results = manager.queue(String.class);
                List<SquareInto> tasks = new ArrayList<>();
                for (int n = 1; n <= 6; n++) tasks.add(new SquareInto(results, n));
                try (JavaPool pool = JavaPool.create(2)) {
                    pool.invokeAll(tasks);
                }
                for (int i = 0; i < 6; i++) System.out.println(results.get(Duration.ofSeconds(10)));
            }
        }
    }

    /**
     * A manager served over TCP on localhost, used from a second JVM started on its own (not a coproc worker)
     * with only the address and key, as a program on another machine would: Python's {@code BaseManager(address,
     * authkey)} with {@code serve_forever()} on one side and {@code connect()} on the other. The second JVM finds
     * the parent's queue by the name it was published under.
     */
    public static final class ManagerRemote {
        private ManagerRemote() {}

        public static void run() throws Exception {
            try (JavaManager server = JavaManager.start(new InetSocketAddress("127.0.0.1", 0), null)) {
                JavaQueue<String> inbox = server.queue(String.class);
                server.publish("inbox", inbox, String.class);
                System.out.println("manager listening at " + server.address());
                String java = ProcessHandle.current().info().command().orElseThrow();
                // The demo's Main (Kotlin, named rather than referenced) routes these arguments to client() below.
                CommandResult client = JavaCommand.of(java, "-cp", System.getProperty("java.class.path"), "dev.coproc.demo.Main",
                                "java-manager-remote-client", server.address(), HexFormat.of().formatHex(server.authKey()))
                        .stdout(JavaCommand.Output.INHERIT)
                        .run();
                client.checkSuccess();
                System.out.println("the parent got: " + inbox.get(Duration.ofSeconds(10)));
            }
        }

        /** The second JVM's side: connect with the address and key, find the queue, put a message. */
        public static void client(String address, String keyHex) throws Exception {
            try (JavaManager remote = JavaManager.connect(address, HexFormat.of().parseHex(keyHex))) {
                JavaQueue<String> inbox = remote.lookupQueue("inbox", String.class);
                inbox.put("hello over TCP from pid " + ProcessHandle.current().pid());
                System.out.println("second JVM (pid " + ProcessHandle.current().pid() + "): connected to " + address
                        + " and put a message");
            }
        }
    }
}
