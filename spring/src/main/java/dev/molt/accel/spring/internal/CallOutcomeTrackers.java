package dev.molt.accel.spring.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/** One {@link CallOutcomeTracker} per pool, fed by that pool's clients; thread-safe. */
public final class CallOutcomeTrackers implements PoolListeners {

    private final ToIntFunction<String> thresholds;
    private final Map<String, CallOutcomeTracker> trackers = new ConcurrentHashMap<>();

    /** @param thresholds the failure threshold of a pool, by name */
    public CallOutcomeTrackers(ToIntFunction<String> thresholds) {
        this.thresholds = thresholds;
    }

    @Override
    public CallOutcomeTracker forPool(String pool) {
        return trackers.computeIfAbsent(pool, p -> new CallOutcomeTracker(thresholds.applyAsInt(p)));
    }
}
