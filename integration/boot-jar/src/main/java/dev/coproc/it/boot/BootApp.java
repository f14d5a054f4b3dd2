package dev.coproc.it.boot;

import dev.coproc.BlockingTask;
import dev.coproc.it.Scenario;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A Spring Boot application that runs the {@link Scenario}, plus a task of its own (under BOOT-INF/classes). */
@SpringBootApplication
public class BootApp implements CommandLineRunner {
    /** A task class of the application itself, which the workers load from the jar's BOOT-INF/classes. */
    record Greet(String name) implements BlockingTask<String> {
        @Override
        public String call() {
            return "hello " + name;
        }
    }

    public static void main(String[] args) {
        System.exit(SpringApplication.exit(SpringApplication.run(BootApp.class, args)));
    }

    @Override
    public void run(String... args) throws InterruptedException {
        Scenario.run(System.out, new Greet("boot"));
    }
}
