package dev.molt.accel.spring.internal;

import dev.molt.accel.client.ClientStats;
import dev.molt.accel.client.MoltClient;
import java.time.Duration;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code molt} health indicator: UP when every worker of the application's default client
 * answers {@code __ping__} in time (a worker that is not running is started by the ping), DOWN with
 * the reason otherwise.
 */
public final class MoltHealthIndicator extends AbstractHealthIndicator {

    private final Supplier<MoltClient> client;
    private final Duration timeout;

    public MoltHealthIndicator(Supplier<MoltClient> client, Duration timeout) {
        super("Molt worker health check failed");
        this.client = client;
        this.timeout = timeout;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        MoltClient c = client.get();
        try {
            c.ping(timeout);
            builder.up();
        } catch (RuntimeException e) {
            builder.down().withDetail("error", String.valueOf(e.getMessage()));
        }
        ClientStats s = c.stats();
        builder.withDetail("workers", s.workers())
                .withDetail("pids", s.pids())
                .withDetail("inFlight", s.inFlight())
                .withDetail("calls", s.calls())
                .withDetail("restarts", s.restarts())
                .withDetail("cancels", s.cancels());
        if (s.lastFailure() != null) {
            builder.withDetail("lastFailure", s.lastFailure());
        }
    }
}
