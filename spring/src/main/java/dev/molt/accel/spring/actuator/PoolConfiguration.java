package dev.molt.accel.spring.actuator;

import dev.molt.accel.spring.autoconfigure.PoolProperties;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.util.unit.DataSize;

/**
 * The effective settings of one pool as the {@code molt} endpoint shows them: an allow-list of
 * values that are not secret. The worker command, its environment, Java options, working directory
 * and the TLS bundle show only whether they are set; nothing else of them is read.
 */
final class PoolConfiguration {

    private PoolConfiguration() {
    }

    static Map<String, Object> of(PoolProperties p) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("poolSize", p.getPoolSize());
        c.put("maxPoolSize", p.getMaxPoolSize());
        c.put("spareWorkers", p.getSpareWorkers());
        c.put("scaleUpInFlight", p.getScaleUpInFlight());
        c.put("idleTimeout", text(p.getIdleTimeout()));
        c.put("timeout", text(p.getTimeout()));
        c.put("eagerStart", p.getEagerStart());
        c.put("failFast", p.getFailFast());
        List<String> endpoints = p.getEndpoints();
        c.put("endpoints", endpoints == null ? List.of() : List.copyOf(endpoints));
        c.put("connectionsPerEndpoint", p.getConnectionsPerEndpoint());
        c.put("tlsBundleSet", p.getTls() != null && p.getTls().getBundle() != null);
        c.put("discoveryRefresh", p.getDiscovery() == null ? null : text(p.getDiscovery().getRefresh()));
        c.put("warmupCalls", p.getWarmup() == null ? 0 : p.getWarmup().size());
        PoolProperties.Worker w = p.getWorker();
        Map<String, Object> worker = new LinkedHashMap<>();
        worker.put("commandSet", (w.getCommand() != null && !w.getCommand().isEmpty())
                || (w.getCommandLine() != null && !w.getCommandLine().isBlank()));
        worker.put("environmentVariables", w.getEnvironment() == null ? 0 : w.getEnvironment().size());
        worker.put("javaOptionsSet", w.getJavaOptions() != null && !w.getJavaOptions().isEmpty());
        worker.put("workingDirectorySet", w.getWorkingDirectory() != null);
        worker.put("wire", w.getWire() == null ? null : w.getWire().toString().toLowerCase(java.util.Locale.ROOT));
        worker.put("startTimeout", text(w.getStartTimeout()));
        worker.put("closeTimeout", text(w.getCloseTimeout()));
        worker.put("cancelGrace", text(w.getCancelGrace()));
        worker.put("restartBackoff", text(w.getRestartBackoff()));
        worker.put("restartBackoffMax", text(w.getRestartBackoffMax()));
        worker.put("maxRestarts", w.getMaxRestarts());
        worker.put("maxFrameSize", text(w.getMaxFrameSize()));
        worker.put("cds", w.getCds());
        worker.put("selfWarmup", w.getSelfWarmup());
        c.put("worker", worker);
        PoolProperties.Retry r = p.getRetry();
        c.put("retry", map("onTimeout", r.getOnTimeout(), "onBusy", r.getOnBusy(), "maxRetries", r.getMaxRetries(),
                "backoff", text(r.getBackoff()), "backoffMax", text(r.getBackoffMax())));
        PoolProperties.Health h = p.getHealth();
        c.put("health", map("pingTimeout", text(h.getPingTimeout()), "failureThreshold", h.getFailureThreshold(),
                "interval", text(h.getInterval()), "timeout", text(h.getTimeout())));
        PoolProperties.Recycle rc = p.getRecycle();
        c.put("recycle", map("maxCalls", rc.getMaxCalls(), "maxAge", text(rc.getMaxAge()), "maxRss",
                text(rc.getMaxRss()), "jitter", rc.getJitter()));
        return c;
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String text(Duration d) {
        return d == null ? null : d.toString();
    }

    private static String text(DataSize d) {
        return d == null ? null : d.toString();
    }
}
