package dev.molt.accel.worker.demo;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The simulated database behind the demo contract: a base latency per query, a decoding cost per
 * row and some CPU work per row, configured from the environment ({@code MOLT_FAKE_DB_DELAY_MS},
 * {@code MOLT_FAKE_DB_DECODE_US_PER_ROW}, {@code MOLT_FAKE_DB_CPU_ITERS}; all default 0, which
 * makes queries free). Immutable and thread-safe; nothing to close.
 */
public final class FakeDb {

    /** A database that costs nothing. */
    public static final FakeDb FREE = new FakeDb(0, 0, 0);

    /** Iterations of the per-row CPU work between two checks of the cancellation flag. */
    private static final long CPU_SLICE = 4096;

    /** Written once per query so that the JIT cannot drop the per-row CPU work. */
    @SuppressWarnings("unused")
    private static volatile long sink;

    private final long delayMs;
    private final long decodeUsPerRow;
    private final long cpuIters;

    /**
     * @param delayMs base latency slept once per query
     * @param decodeUsPerRow microseconds busy-waited per row
     * @param cpuIters iterations of arithmetic per row
     * @throws IllegalArgumentException when a value is negative
     */
    public FakeDb(long delayMs, long decodeUsPerRow, long cpuIters) {
        this.delayMs = nonNegative("delayMs", delayMs);
        this.decodeUsPerRow = nonNegative("decodeUsPerRow", decodeUsPerRow);
        this.cpuIters = nonNegative("cpuIters", cpuIters);
    }

    /**
     * Reads {@code MOLT_FAKE_DB_DELAY_MS}, {@code MOLT_FAKE_DB_DECODE_US_PER_ROW} and
     * {@code MOLT_FAKE_DB_CPU_ITERS} from the process environment.
     *
     * @throws IllegalArgumentException naming the variable when a value is not a non-negative integer
     */
    public static FakeDb fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** As {@link #fromEnvironment()}, from the given variables. */
    public static FakeDb fromEnvironment(Map<String, String> env) {
        return new FakeDb(env(env, "MOLT_FAKE_DB_DELAY_MS"), env(env, "MOLT_FAKE_DB_DECODE_US_PER_ROW"),
                env(env, "MOLT_FAKE_DB_CPU_ITERS"));
    }

    private static long env(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            return nonNegative(name, Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a non-negative integer, got '" + v + "'");
        }
    }

    private static long nonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
        return value;
    }

    public long delayMs() {
        return delayMs;
    }

    public long decodeUsPerRow() {
        return decodeUsPerRow;
    }

    public long cpuIters() {
        return cpuIters;
    }

    /** Whether queries cost nothing. */
    public boolean isFree() {
        return delayMs == 0 && decodeUsPerRow == 0 && cpuIters == 0;
    }

    /**
     * Spends what a query returning {@code rows} rows costs: the base latency (a sleep), then per
     * row the decoding busy-wait and the CPU work. Stops early, without an exception, as soon as
     * {@code cancelled} says so: checked whenever the sleeping thread wakes (a worker unparks it when
     * the call is cancelled, see {@code MoltContext#isCancelled}), once per row, on every turn of
     * the decoding busy-wait and every {@value #CPU_SLICE} iterations of the CPU work.
     *
     * @return whether the query ran to the end (false when it was cancelled)
     */
    public boolean simulateQuery(int rows, BooleanSupplier cancelled) {
        if (isFree()) {
            return !cancelled.getAsBoolean();
        }
        if (delayMs > 0 && !sleep(TimeUnit.MILLISECONDS.toNanos(delayMs), cancelled)) {
            return false;
        }
        long acc = rows;
        long decodeNanos = decodeUsPerRow * 1000L;
        for (int r = 0; r < rows; r++) {
            if (cancelled.getAsBoolean()) {
                sink = acc;
                return false;
            }
            if (decodeNanos > 0 && !spin(decodeNanos, cancelled)) {
                sink = acc;
                return false;
            }
            // in slices, so that a row costing seconds still notices a cancel within microseconds
            for (long left = cpuIters; left > 0; left -= CPU_SLICE) {
                for (long i = Math.min(left, CPU_SLICE); i > 0; i--) {
                    acc = acc * 6364136223846793005L + 1442695040888963407L + r;
                    acc ^= acc >>> 29;
                }
                if (left > CPU_SLICE && cancelled.getAsBoolean()) {
                    sink = acc;
                    return false;
                }
            }
        }
        sink = acc;
        return true;
    }

    /** Busy-waits {@code nanos}; false as soon as {@code cancelled} says so. */
    private static boolean spin(long nanos, BooleanSupplier cancelled) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < nanos) {
            if (cancelled.getAsBoolean()) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    private static boolean sleep(long nanos, BooleanSupplier cancelled) {
        long end = System.nanoTime() + nanos;
        while (true) {
            if (cancelled.getAsBoolean()) {
                return false;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            // one park for the whole delay: a worker unparks the handler's thread when its call is
            // cancelled or times out (MoltContext#isCancelled), and any wake-up re-checks both
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
    }

    @Override
    public String toString() {
        return "FakeDb[delayMs=" + delayMs + ", decodeUsPerRow=" + decodeUsPerRow + ", cpuIters=" + cpuIters + "]";
    }
}
