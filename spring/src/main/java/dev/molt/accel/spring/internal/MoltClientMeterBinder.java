package dev.molt.accel.spring.internal;

import dev.molt.accel.client.ClientMode;
import dev.molt.accel.client.MoltClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.Supplier;

/** Gauges of the shared client: {@code molt.accel.calls.in.flight} and {@code molt.accel.workers}. */
public final class MoltClientMeterBinder implements MeterBinder {

    private final Supplier<OffloadRegistry> registry;

    public MoltClientMeterBinder(Supplier<OffloadRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        Gauge.builder("molt.accel.calls.in.flight", this, b -> b.stat(true))
                .description("Offloaded calls sent and not yet answered")
                .register(meters);
        Gauge.builder("molt.accel.workers", this, b -> b.stat(false))
                .description("Worker processes taking calls")
                .register(meters);
    }

    private double stat(boolean inFlight) {
        try {
            MoltClient c = registry.get().defaultClient(ClientMode.SHARED);
            return inFlight ? c.stats().inFlight() : c.stats().workers();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
