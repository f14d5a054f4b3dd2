package dev.coproc.demo;

import dev.coproc.BlockingTask;
import dev.coproc.EndOfStreamException;
import dev.coproc.java.JavaConnection;
import dev.coproc.java.JavaPipe;
import dev.coproc.java.JavaProcess;

/** The pipe examples of PipeExamples.kt, in Java: a child sends through its end, and a child reads to the end. */
public final class JavaPipeExamples {
    private JavaPipeExamples() {}

    /** The seeds' `[42, None, 'hello']`: Java has no Triple, so a record, printed as Kotlin prints a Triple. */
    record Triple(int first, String second, String third) {
        @Override
        public String toString() {
            return "(" + first + ", " + second + ", " + third + ")";
        }
    }

    /** The seeds' `f(conn)`: sends `[42, None, 'hello']` to the parent. */
    record SendTriple(JavaConnection<Triple> conn) implements BlockingTask<Void> {
        @Override
        public Void call() throws InterruptedException {
            conn.send(new Triple(42, null, "hello"));
            return null;
        }
    }

    /** The seeds' pipe example: a child sends a message through its end, the parent receives it. */
    static final class PipeHello {
        public static void run() throws Exception {
            JavaPipe<Triple> pipe = JavaPipe.create(Triple.class);
            try (JavaConnection<Triple> parentEnd = pipe.first()) {
                JavaConnection<Triple> childEnd = pipe.second();
                JavaProcess<Void> child = JavaProcess.of(new SendTriple(childEnd)).start();
                childEnd.close();     // the child holds its own copy now
                System.out.println("parent received " + parentEnd.receive());
                child.join();
            }
        }
    }

    /** The seeds' EOF example: the child reads until every sender has closed, then stops. */
    record ReadUntilEnd(JavaConnection<String> conn) implements BlockingTask<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            int count = 0;
            while (true) {
                try {
                    System.out.println("child received: " + conn.receive());
                    count++;
                } catch (EndOfStreamException e) {
                    System.out.println("child: end of stream (" + e.getMessage() + ")");
                    return count;
                }
            }
        }
    }

    /** The parent sends two messages and closes its end: the child sees the end of the stream and stops. */
    static final class PipeEof {
        public static void run() throws Exception {
            JavaPipe<String> pipe = JavaPipe.create(String.class);
            JavaConnection<String> parentEnd = pipe.first();
            JavaConnection<String> childEnd = pipe.second();
            JavaProcess<Integer> child = JavaProcess.of(new ReadUntilEnd(childEnd)).start();
            childEnd.close();     // without this, the child would wait for our copy forever
            parentEnd.send("hello");
            parentEnd.send("world");
            parentEnd.close();    // the last sender closes: the child sees end of stream
            System.out.println("child read " + child.get() + " messages");
            child.join();
        }
    }
}
