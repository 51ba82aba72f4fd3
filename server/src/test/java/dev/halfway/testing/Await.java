package dev.halfway.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A bounded wait for a state that has no event to wait on (a count of open connections, a file
 * another process writes, the kernel's socket table): polls the condition with a short park and
 * fails with a message naming what did not happen. Where there is an event (a latch, a log
 * record, a socket read), wait on the event instead.
 */
public final class Await {
    private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** A condition that may do I/O to find out. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    private Await() {}

    /** Returns as soon as {@code condition} holds; fails after {@code timeout} with {@code what}. */
    public static void until(Duration timeout, Condition condition, String what) throws InterruptedException {
        until(timeout, condition, () -> what);
    }

    /** As {@link #until(Duration, Condition, String)}; {@code what} is evaluated only on failure, to show the state then. */
    public static void until(Duration timeout, Condition condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check(condition, what)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what.get());
            }
            LockSupport.parkNanos(PARK_NANOS);
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting: " + what.get());
            }
        }
    }

    private static boolean check(Condition condition, Supplier<String> what) {
        try {
            return condition.holds();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("could not check whether " + what.get(), e);
        }
    }
}
