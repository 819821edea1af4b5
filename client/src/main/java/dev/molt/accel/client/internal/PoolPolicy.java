package dev.molt.accel.client.internal;

import java.time.Duration;

/**
 * How a client's pool heals and changes size, validated by {@code MoltClientBuilder}.
 *
 * @param spareWorkers workers kept started and ready, taking no calls, to take over at once
 * @param recycleMaxCalls calls after which a worker is recycled; 0 for no limit
 * @param recycleMaxAge age after which a worker is recycled; zero for no limit
 * @param recycleMaxRssBytes resident set size above which a worker is recycled; 0 for no limit
 * @param recycleJitter fraction (0..1) by which each worker's limits are lowered at random
 * @param healthInterval how long a worker may go without any answer before it is pinged; zero turns probes off
 * @param healthTimeout how long that ping may take before the worker is replaced
 * @param maxPoolSize the most workers taking calls (at least the pool size)
 * @param scaleUpInFlight calls in flight per worker above which the pool grows; 0: only on {@code Busy}
 * @param idleTimeout how long a worker added above the pool size may stay idle before it is closed
 */
public record PoolPolicy(int spareWorkers, long recycleMaxCalls, Duration recycleMaxAge, long recycleMaxRssBytes,
        double recycleJitter, Duration healthInterval, Duration healthTimeout, int maxPoolSize, int scaleUpInFlight,
        Duration idleTimeout) {

    /** Whether any recycling limit is set. */
    public boolean recycles() {
        return recycleMaxCalls > 0 || !recycleMaxAge.isZero() || recycleMaxRssBytes > 0;
    }
}
