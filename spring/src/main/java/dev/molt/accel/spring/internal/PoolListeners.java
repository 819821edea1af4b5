package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltClientListener;

/**
 * Gives each pool's client a listener of its own, so that what it reports carries the pool's
 * name (meter tags, per-pool health). Called once per client built; thread-safe.
 */
@FunctionalInterface
public interface PoolListeners {

    /** The listener of pool {@code pool}'s clients; the same instance for the same pool. */
    MoltClientListener forPool(String pool);
}
