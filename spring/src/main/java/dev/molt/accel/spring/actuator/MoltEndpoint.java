package dev.molt.accel.spring.actuator;

import dev.molt.accel.client.ClientStats;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.WorkerInfo;
import dev.molt.accel.spring.autoconfigure.MoltAccelProperties;
import dev.molt.accel.spring.internal.FailedCallLog;
import dev.molt.accel.spring.internal.MoltPoolRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code molt} Actuator endpoint ({@code /actuator/molt}, {@code /actuator/molt/<pool>}): each
 * worker pool with its workers (id, state, calls in flight, request ids used, age, RSS where
 * {@code /proc} tells), its counters (calls, restarts, recycles, probe replacements, cancels),
 * spares, the last failure (error codes and a short reason only) and its effective configuration
 * without anything secret: no command line, environment, Java options, working directory or TLS
 * material, only whether they are set. Like every endpoint but health, it is not exposed over HTTP
 * unless {@code management.endpoints.web.exposure.include} names it. Read-only; reading never
 * starts a worker (it may read {@code /proc} once per worker). Thread-safe.
 */
@Endpoint(id = "molt")
public class MoltEndpoint {

    /** Characters of a worker failure's reason kept; the rest (stderr, paths) is dropped. */
    static final int REASON_CHARS = 120;

    private final MoltPoolRegistry pools;
    private final MoltAccelProperties properties;
    private final FailedCallLog failures;
    private final List<MoltEndpointSection> sections;

    /**
     * @param failures the failed-call log of the pools, or {@code null}
     * @param sections extra sections, in order
     */
    public MoltEndpoint(MoltPoolRegistry pools, MoltAccelProperties properties, FailedCallLog failures,
            List<MoltEndpointSection> sections) {
        this.pools = pools;
        this.properties = properties;
        this.failures = failures;
        this.sections = List.copyOf(sections);
    }

    /** Every pool, and the sections. */
    @ReadOperation
    public Map<String, Object> molt() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> all = new LinkedHashMap<>();
        for (String name : pools.names()) {
            all.put(name, describe(name));
        }
        out.put("pools", all);
        if (!sections.isEmpty()) {
            Map<String, Object> s = new LinkedHashMap<>();
            for (MoltEndpointSection section : sections) {
                s.put(section.name(), section.content());
            }
            out.put("sections", s);
        }
        return out;
    }

    /** One pool; {@code null} (404) when there is no such pool. */
    @ReadOperation
    public Map<String, Object> pool(@Selector String name) {
        return pools.contains(name) ? describe(name) : null;
    }

    private Map<String, Object> describe(String name) {
        Map<String, Object> p = new LinkedHashMap<>();
        boolean bean = pools.isBean(name);
        p.put("clientMode", pools.mode(name).toString().toLowerCase(java.util.Locale.ROOT));
        MoltClient client;
        try {
            client = pools.pool(name);
        } catch (RuntimeException e) {
            p.put("error", e.getClass().getSimpleName());
            return p;
        }
        ClientStats s = client.stats();
        p.put("size", s.size());
        p.put("workersTakingCalls", s.workers());
        p.put("spares", s.spares());
        p.put("inFlight", s.inFlight());
        p.put("calls", s.calls());
        p.put("restarts", s.restarts());
        p.put("recycles", s.recycles());
        p.put("probeReplacements", s.probeReplacements());
        p.put("cancels", s.cancels());
        List<Map<String, Object>> workers = new ArrayList<>();
        for (WorkerInfo w : client.workers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", w.id());
            m.put("state", w.state());
            m.put("inFlight", w.inFlight());
            m.put("calls", w.calls());
            m.put("ageSeconds", w.age().toSeconds());
            if (w.rssBytes() >= 0) {
                m.put("rssBytes", w.rssBytes());
            }
            if (w.position() >= 0) {
                m.put("position", w.position());
                m.put("positionRestarts", w.positionRestarts());
                m.put("positionRecycles", w.positionRecycles());
            }
            workers.add(m);
        }
        p.put("workers", workers);
        Map<String, Object> last = new LinkedHashMap<>();
        if (s.lastFailure() != null) {
            last.put("worker", safeReason(s.lastFailure()));
        }
        FailedCallLog.LastFailure call = failures == null ? null : failures.lastFailure(name);
        if (call != null) {
            last.put("call", Map.of("entry", call.entry(), "outcome", call.outcome(), "secondsAgo",
                    TimeUnit.NANOSECONDS.toSeconds(Math.max(0, failures.now() - call.atNanos()))));
        }
        p.put("lastFailure", last);
        p.put("configuration", bean ? Map.of("bean", true) : PoolConfiguration.of(properties.pool(name)));
        return p;
    }

    /**
     * The head of a failure reason: its first line, up to its first {@code ": "} (what follows is
     * the variable detail: a worker's stderr, an exception message, a path), at most
     * {@value #REASON_CHARS} characters, control characters replaced.
     */
    static String safeReason(String reason) {
        int end = reason.length();
        int nl = reason.indexOf('\n');
        if (nl >= 0) {
            end = nl;
        }
        int colon = reason.indexOf(": ");
        if (colon >= 0 && colon < end) {
            end = colon;
        }
        end = Math.min(end, REASON_CHARS);
        StringBuilder b = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = reason.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }
}
