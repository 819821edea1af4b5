package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltClientListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters of offloaded calls, each tagged {@code worker} (the pool name): timer
 * {@code molt.accel.calls} (tags {@code entry}, {@code outcome}: {@code ok} or the error code),
 * counters {@code molt.accel.restarts}, {@code molt.accel.start.failures} and
 * {@code molt.accel.cancels} (tag {@code entry}), and the worker-side distribution summaries
 * {@code molt.accel.worker.queue} and {@code molt.accel.worker.exec} (microseconds, tag
 * {@code entry}) from the metrics of each answer. Each pool's clients report to the listener
 * {@link #forPool} gives. Thread-safe; meters are cached so the per-call cost is a map lookup.
 */
public final class MicrometerMoltMetrics implements WorkerMetricsRecorder, PoolListeners {

    static final String TAG = "worker";

    private final MeterRegistry registry;
    private final Map<String, PoolMeters> pools = new ConcurrentHashMap<>();

    public MicrometerMoltMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public MoltClientListener forPool(String pool) {
        return meters(pool);
    }

    @Override
    public void record(String pool, String entry, Map<String, Object> metrics) {
        PoolMeters m = meters(pool);
        long q = micros(metrics, "queue_us", "queue_ms");
        if (q >= 0) {
            m.summary(m.queue, "molt.accel.worker.queue", "Time requests waited in the worker's queue", entry).record(q);
        }
        long x = micros(metrics, "exec_us", "exec_ms");
        if (x >= 0) {
            m.summary(m.exec, "molt.accel.worker.exec", "Time the worker spent executing requests", entry).record(x);
        }
    }

    private PoolMeters meters(String pool) {
        return pools.computeIfAbsent(pool, PoolMeters::new);
    }

    private static long micros(Map<String, Object> metrics, String us, String ms) {
        if (metrics.get(us) instanceof Number n) {
            return n.longValue();
        }
        if (metrics.get(ms) instanceof Number n) {
            return (long) (n.doubleValue() * 1000);
        }
        return -1;
    }

    /** The meters of one pool. */
    private final class PoolMeters extends MoltClientListener {

        private final String pool;
        private final Counter restarts;
        private final Counter startFailures;
        private final Map<String, Timer> timers = new ConcurrentHashMap<>();
        private final Map<String, Counter> cancels = new ConcurrentHashMap<>();
        private final Map<String, DistributionSummary> queue = new ConcurrentHashMap<>();
        private final Map<String, DistributionSummary> exec = new ConcurrentHashMap<>();

        PoolMeters(String pool) {
            this.pool = pool;
            this.restarts = Counter.builder("molt.accel.restarts")
                    .description("Worker processes replaced after a crash, a timeout or a protocol error")
                    .tag(TAG, pool)
                    .register(registry);
            this.startFailures = Counter.builder("molt.accel.start.failures")
                    .description("Worker processes that could not be started")
                    .tag(TAG, pool)
                    .register(registry);
        }

        @Override
        public void workerReplaced(long pid, String reason) {
            restarts.increment();
        }

        @Override
        public void workerStartFailed(Throwable failure) {
            startFailures.increment();
        }

        @Override
        public void callCompleted(String entry, String outcome, long durationNanos) {
            timers.computeIfAbsent(entry + '\u0000' + outcome, k -> Timer.builder("molt.accel.calls")
                    .description("Offloaded calls, from send to answer")
                    .tag(TAG, pool)
                    .tag("entry", entry)
                    .tag("outcome", outcome)
                    .register(registry)).record(durationNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void callCancelled(String entry) {
            cancels.computeIfAbsent(entry, e -> Counter.builder("molt.accel.cancels")
                    .description("Offloaded calls cancelled (client gone, cancel check, async time-out)")
                    .tag(TAG, pool)
                    .tag("entry", e)
                    .register(registry)).increment();
        }

        DistributionSummary summary(Map<String, DistributionSummary> cache, String name, String description,
                String entry) {
            return cache.computeIfAbsent(entry, e -> DistributionSummary.builder(name)
                    .description(description)
                    .baseUnit("microseconds")
                    .tag(TAG, pool)
                    .tag("entry", e)
                    .register(registry));
        }
    }
}
