package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.Supplier;

/**
 * Gauges of every worker pool, tagged {@code worker} (the pool name):
 * {@code molt.accel.calls.in.flight} (calls sent and not answered) and {@code molt.accel.workers}
 * (that pool's worker processes taking calls). Reading a gauge never starts a worker.
 */
public final class MoltClientMeterBinder implements MeterBinder {

    private final Supplier<OffloadRegistry> registry;

    public MoltClientMeterBinder(Supplier<OffloadRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        for (String pool : registry.get().pools().names()) {
            Gauge.builder("molt.accel.calls.in.flight", this, b -> b.stat(pool, true))
                    .description("Offloaded calls sent and not yet answered")
                    .tag(MicrometerMoltMetrics.TAG, pool)
                    .register(meters);
            Gauge.builder("molt.accel.workers", this, b -> b.stat(pool, false))
                    .description("Worker processes of the pool taking calls")
                    .tag(MicrometerMoltMetrics.TAG, pool)
                    .register(meters);
        }
    }

    private double stat(String pool, boolean inFlight) {
        try {
            MoltClient c = registry.get().pools().pool(pool);
            return inFlight ? c.stats().inFlight() : c.stats().workers();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
