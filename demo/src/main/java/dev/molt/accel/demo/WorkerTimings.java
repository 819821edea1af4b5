package dev.molt.accel.demo;

import dev.molt.accel.spring.MoltMetricsHook;
import dev.molt.accel.spring.MoltOffloadContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Worker-side timings of offloaded calls, per entry: how long each request waited in the worker's
 * queue ({@code queue_us}) and how long it ran ({@code exec_us}), as reported in the metrics of
 * every answer (PROTOCOL.md section 7). Recording is wait-free (HdrHistogram {@link Recorder}), so
 * the hook is cheap on the worker's reader thread; {@link #snapshot()} and {@link #reset()} are for
 * the {@code moltworker} Actuator endpoint and the HTTP benchmark. Thread-safe.
 *
 * <p>The starter records the same values as the Micrometer summaries {@code molt.accel.worker.queue}
 * and {@code molt.accel.worker.exec}; these histograms add exact percentiles over a chosen interval.
 */
public final class WorkerTimings implements MoltMetricsHook {

    private final Map<String, EntryTimings> entries = new ConcurrentHashMap<>();

    @Override
    public void metrics(MoltOffloadContext context, Map<String, Object> metrics) {
        EntryTimings t = entries.computeIfAbsent(context.entry(), e -> new EntryTimings());
        long queue = micros(metrics, "queue_us", "queue_ms");
        if (queue >= 0) {
            t.queue.recordValue(queue);
        }
        long exec = micros(metrics, "exec_us", "exec_ms");
        if (exec >= 0) {
            t.exec.recordValue(exec);
        }
    }

    /**
     * Per entry, {@code count} and the percentiles ({@code p50}, {@code p90}, {@code p99},
     * {@code p999}, {@code max}, {@code mean}) of {@code queue_us} and {@code exec_us} since the last
     * {@link #reset()}.
     */
    public synchronized Map<String, Object> snapshot() {
        Map<String, Object> out = new TreeMap<>();
        entries.forEach((entry, t) -> {
            t.drain();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", t.queueTotal.getTotalCount());
            m.put("queue_us", summary(t.queueTotal));
            m.put("exec_us", summary(t.execTotal));
            out.put(entry, m);
        });
        return out;
    }

    /** Forgets everything recorded so far. */
    public synchronized void reset() {
        entries.values().forEach(t -> {
            t.drain();
            t.queueTotal.reset();
            t.execTotal.reset();
        });
    }

    private static Map<String, Object> summary(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean empty = h.getTotalCount() == 0;
        m.put("p50", empty ? 0 : h.getValueAtPercentile(50));
        m.put("p90", empty ? 0 : h.getValueAtPercentile(90));
        m.put("p99", empty ? 0 : h.getValueAtPercentile(99));
        m.put("p999", empty ? 0 : h.getValueAtPercentile(99.9));
        m.put("max", empty ? 0 : h.getMaxValue());
        m.put("mean", empty ? 0.0 : Math.round(h.getMean() * 10) / 10.0);
        return m;
    }

    private static long micros(Map<String, Object> metrics, String us, String ms) {
        if (metrics.get(us) instanceof Number n && n.longValue() >= 0) {
            return n.longValue();
        }
        if (metrics.get(ms) instanceof Number n && n.doubleValue() >= 0) {
            return (long) (n.doubleValue() * 1000);
        }
        return -1;
    }

    /** The recorders of one entry and what has been drained from them. Guarded by the outer monitor. */
    private static final class EntryTimings {
        final Recorder queue = new Recorder(3);
        final Recorder exec = new Recorder(3);
        final Histogram queueTotal = new Histogram(3);
        final Histogram execTotal = new Histogram(3);
        private Histogram queueInterval;
        private Histogram execInterval;

        void drain() {
            queueInterval = queue.getIntervalHistogram(queueInterval);
            queueTotal.add(queueInterval);
            execInterval = exec.getIntervalHistogram(execInterval);
            execTotal.add(execInterval);
        }
    }
}
