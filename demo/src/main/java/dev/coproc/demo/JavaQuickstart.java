package dev.coproc.demo;

import dev.coproc.java.JavaProcess;

// README: Java quickstart (keep the two in step). The task is the Kotlin `Square` above.
public final class JavaQuickstart {
    public static void main(String[] args) {
        try (JavaProcess<Integer> p = JavaProcess.of(new Square(12)).start()) {
            System.out.println("result: " + p.get());        // 144 (or p.result(), a CompletableFuture)
            System.out.println("exit code: " + p.join());     // 0
        }
    }
}
