package dev.molt.accel.spring;

import dev.molt.accel.client.MoltClient;
import java.util.List;

/**
 * The application's worker pools, one {@link MoltClient} each: the default pool
 * ({@code molt.accel.*}, or the application's own {@code MoltClient} bean), the pools of
 * {@code molt.accel.workers.<name>.*} and the {@link MoltPool @MoltPool} beans. The clients of
 * the property pools are built on first use and closed with the application context; the
 * application must not close them. Thread-safe.
 */
public interface MoltPools {

    /** Name of the default pool. */
    String DEFAULT = "default";

    /**
     * The client of pool {@code name} in the pool's client mode ({@code client-mode}): its shared
     * client, or a client that starts a worker process per call.
     *
     * @throws IllegalArgumentException when no pool has that name (the message lists the pools)
     */
    MoltClient pool(String name);

    /** The default pool's client; {@code pool(DEFAULT)}. */
    default MoltClient defaultPool() {
        return pool(DEFAULT);
    }

    /** The pool names: {@value #DEFAULT} first, then the named pools as declared. */
    List<String> names();

    /** Whether a pool has that name. */
    default boolean contains(String name) {
        return names().contains(name);
    }
}
