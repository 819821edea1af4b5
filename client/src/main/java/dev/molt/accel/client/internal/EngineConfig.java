package dev.molt.accel.client.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClientListener;
import dev.molt.accel.protocol.Wire;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * What the engine needs from a {@code MoltClientBuilder}, validated there.
 *
 * @param callbackExecutor the user's callback executor, or {@code null} for a client-owned one
 * @param warmup calls every new worker answers before it takes traffic; empty for none
 * @param pool spares, recycling, health probes and elastic size
 */
public record EngineConfig(int maxFrameBytes, Wire wire, Duration startTimeout, Duration closeTimeout,
        Duration cancelGrace, Duration probeTimeout, Duration restartBackoff, Duration restartBackoffMax,
        int maxRestarts, CallOptions defaultOptions, MoltClientListener listener, String name, LongSupplier ticker,
        Executor callbackExecutor, java.util.List<WarmupRequest> warmup, PoolPolicy pool) {

    public EngineConfig {
        warmup = java.util.List.copyOf(warmup);
    }
}
