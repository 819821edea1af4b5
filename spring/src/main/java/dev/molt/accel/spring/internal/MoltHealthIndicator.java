package dev.molt.accel.spring.internal;

import dev.molt.accel.client.ClientStats;
import dev.molt.accel.client.MoltBusyException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltTimeoutException;
import dev.molt.accel.client.MoltWorkerUnavailableException;
import dev.molt.accel.client.EndpointState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of one worker pool, a component of the {@code molt} health contributor (one per
 * pool: {@code molt.default}, {@code molt.<name>}...): UP when every worker of the pool's client
 * answers {@code __ping__} in time (a worker that is not running is started by the ping) and calls
 * are not failing in a row ({@link CallOutcomeTracker}); DOWN otherwise.
 *
 * <p>Health answers may be public, so the details are counts and states only: {@code workers},
 * {@code inFlight}, {@code calls}, {@code restarts}, {@code cancels}, {@code consecutiveFailures}
 * and, for a pool of remote endpoints, {@code endpointsUp}, {@code endpointsDown},
 * {@code endpointsConnecting} and {@code endpointsDownReasons} (a count per code: {@code refused},
 * {@code timeout}, {@code unresolved}, {@code tls}, {@code not_ready}, {@code io}; such a pool is UP
 * while one endpoint answers), and, when DOWN, a short {@code reason} code ({@code worker_unavailable}, {@code ping_timeout},
 * {@code busy}, {@code ping_failed}, {@code calls_failing}). Command lines, process ids, paths,
 * stderr lines and exception messages go to the log (WARN when the state turns DOWN), never into
 * the health answer. Thread-safe.
 */
public final class MoltHealthIndicator implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(MoltHealthIndicator.class);

    private final String pool;
    private final Supplier<MoltClient> client;
    private final Duration timeout;
    private final CallOutcomeTracker calls;
    private final AtomicReference<String> lastReason = new AtomicReference<>();

    public MoltHealthIndicator(String pool, Supplier<MoltClient> client, Duration timeout, CallOutcomeTracker calls) {
        this.pool = pool;
        this.client = client;
        this.timeout = timeout;
        this.calls = calls;
    }

    @Override
    public Health health() {
        Health.Builder builder = new Health.Builder();
        String reason = null;
        String message = null;
        ClientStats s = null;
        List<EndpointState> endpoints = List.of();
        try {
            MoltClient c = client.get();
            try {
                c.ping(timeout);
            } catch (RuntimeException e) {
                reason = reason(e);
                message = e.getMessage();
            }
            s = c.stats();
            endpoints = c.endpoints();
        } catch (RuntimeException e) {
            reason = "ping_failed";
            message = e.toString();
        }
        if (reason == null && calls.failing()) {
            reason = "calls_failing";
            message = calls.consecutiveFailures() + " calls in a row ended in a protocol error or a timeout";
        }
        logChange(reason, message);
        if (reason == null) {
            builder.up();
        } else {
            builder.down().withDetail("reason", reason);
        }
        if (s != null) {
            builder.withDetail("workers", s.workers())
                    .withDetail("inFlight", s.inFlight())
                    .withDetail("calls", s.calls())
                    .withDetail("restarts", s.restarts())
                    .withDetail("cancels", s.cancels())
                    .withDetail("size", s.size())
                    .withDetail("spares", s.spares())
                    .withDetail("recycles", s.recycles())
                    .withDetail("probeReplacements", s.probeReplacements());
        }
        if (!endpoints.isEmpty()) {
            endpointDetails(builder, endpoints);
        }
        return builder.withDetail("consecutiveFailures", calls.consecutiveFailures()).build();
    }

    /**
     * Counts of the pool's endpoints by state, and of those not up by reason code: never an
     * address, a host name or a message (they go to the log).
     */
    private static void endpointDetails(Health.Builder builder, List<EndpointState> endpoints) {
        int up = 0;
        int down = 0;
        int connecting = 0;
        Map<String, Integer> reasons = new TreeMap<>();
        for (EndpointState e : endpoints) {
            switch (e.state()) {
                case UP -> up++;
                case DOWN -> down++;
                case CONNECTING -> connecting++;
            }
            if (e.state() != EndpointState.State.UP && e.reason() != null) {
                reasons.merge(e.reason(), 1, Integer::sum);
            }
        }
        builder.withDetail("endpointsUp", up).withDetail("endpointsDown", down)
                .withDetail("endpointsConnecting", connecting);
        if (!reasons.isEmpty()) {
            builder.withDetail("endpointsDownReasons", reasons);
        }
    }

    private static String reason(RuntimeException e) {
        if (e instanceof MoltWorkerUnavailableException) {
            return "worker_unavailable";
        }
        if (e instanceof MoltTimeoutException) {
            return "ping_timeout";
        }
        if (e instanceof MoltBusyException) {
            return "busy";
        }
        return "ping_failed";
    }

    private void logChange(String reason, String message) {
        String before = lastReason.getAndSet(reason);
        if (reason != null && !reason.equals(before)) {
            log.warn("Molt health of pool '{}' DOWN ({}): {}", pool, reason, message);
        } else if (reason == null && before != null) {
            log.info("Molt health of pool '{}' UP again (was {})", pool, before);
        }
    }
}
