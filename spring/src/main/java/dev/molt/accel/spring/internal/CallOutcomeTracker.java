package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltClientListener;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts consecutive calls of one pool's clients that ended in a protocol error or a
 * timeout, for the health indicator: a worker that answers {@code __ping__} but garbles or never
 * finishes every call is not healthy. A successful call resets the count; other outcomes (busy,
 * invalid input, cancelled, a handler's internal error) say nothing about the worker's health and
 * leave it as it is. Wait-free and thread-safe.
 */
public final class CallOutcomeTracker extends MoltClientListener {

    private final int threshold;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();

    /** @param threshold consecutive failures that make {@link #failing()} true; 0 never */
    public CallOutcomeTracker(int threshold) {
        this.threshold = threshold;
    }

    @Override
    public void callCompleted(String entry, String outcome, long durationNanos) {
        if ("ok".equals(outcome)) {
            if (consecutiveFailures.get() != 0) {
                consecutiveFailures.set(0);
            }
        } else if ("MoltProtocolError".equals(outcome) || "MoltTimeout".equals(outcome)) {
            consecutiveFailures.incrementAndGet();
        }
    }

    /** Calls in a row that ended in a protocol error or a timeout. */
    public int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    /** Whether the last {@code threshold} calls with a verdict all failed. */
    public boolean failing() {
        return threshold > 0 && consecutiveFailures.get() >= threshold;
    }
}
