package dev.coproc.java;

/**
 * What {@link JavaLock#withLock} and {@link JavaSemaphore#withPermit} run: a supplier that may itself wait
 * (take another lock, put into a queue) and so throw {@link InterruptedException}.
 *
 * @param <R> the result's type
 */
@FunctionalInterface
public interface BlockingSupplier<R> {
    /** Computes the result. */
    R get() throws InterruptedException;
}
