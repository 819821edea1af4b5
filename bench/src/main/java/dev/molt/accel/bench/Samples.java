package dev.molt.accel.bench;

import java.util.Arrays;

/** Exact percentiles of a fixed number of latency samples, in nanoseconds. Not thread-safe. */
final class Samples {

    private final long[] values;
    private int count;
    private boolean sorted;

    Samples(int capacity) {
        this.values = new long[capacity];
    }

    void add(long nanos) {
        values[count++] = nanos;
        sorted = false;
    }

    int count() {
        return count;
    }

    /** The value at percentile {@code p} (0..100), nearest-rank. */
    long percentile(double p) {
        if (count == 0) {
            return 0;
        }
        if (!sorted) {
            Arrays.sort(values, 0, count);
            sorted = true;
        }
        int rank = (int) Math.ceil(p / 100.0 * count);
        return values[Math.max(0, Math.min(count - 1, rank - 1))];
    }

    long median() {
        return percentile(50);
    }

    double meanNanos() {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += values[i];
        }
        return count == 0 ? 0 : sum / count;
    }
}
