package dev.molt.accel.spring.internal;

import dev.molt.accel.client.ClientStats;
import dev.molt.accel.client.MoltClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Gauges of every worker pool, tagged {@code worker} (the pool name):
 * {@code molt.accel.calls.in.flight} (calls sent and not answered) and {@code molt.accel.workers}
 * (that pool's worker processes taking calls), {@code molt.accel.pool.size} (positions in use: the
 * pool size, more while an elastic pool has grown), {@code molt.accel.workers.spare},
 * {@code molt.accel.workers.recycled} and {@code molt.accel.workers.probe.replaced} (totals since
 * start). Reading a gauge never starts a worker.
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
            gauge(meters, pool, "molt.accel.pool.size", "Worker positions of the pool in use (grows with an elastic pool)",
                    ClientStats::size);
            gauge(meters, pool, "molt.accel.workers.spare", "Spare workers ready and taking no calls", ClientStats::spares);
            gauge(meters, pool, "molt.accel.workers.recycled", "Workers recycled by a limit since start", ClientStats::recycles);
            gauge(meters, pool, "molt.accel.workers.probe.replaced",
                    "Workers replaced after missing a health probe since start", ClientStats::probeReplacements);
        }
    }

    private void gauge(MeterRegistry meters, String pool, String name, String description,
            ToDoubleFunction<ClientStats> value) {
        Gauge.builder(name, this, b -> b.stat(pool, value))
                .description(description)
                .tag(MicrometerMoltMetrics.TAG, pool)
                .register(meters);
    }

    private double stat(String pool, boolean inFlight) {
        return stat(pool, s -> inFlight ? s.inFlight() : s.workers());
    }

    private double stat(String pool, ToDoubleFunction<ClientStats> value) {
        try {
            MoltClient c = registry.get().pools().pool(pool);
            return value.applyAsDouble(c.stats());
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
