package dev.molt.accel.bench.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** The Markdown summary of an HTTP benchmark: the runs table and the targets of the lean offload path. */
final class Report {

    private Report() {
    }

    static String markdown(List<Map<String, Object>> rows, String header) {
        StringBuilder sb = new StringBuilder(header).append('\n');
        sb.append("## Targets\n\n");
        sb.append("| target | measured | verdict |\n|---|---|---|\n");
        targets(rows, sb);
        sb.append("\n## Runs\n\n");
        sb.append("Latencies in microseconds (open loop: from the intended send time). CPU: seconds during the "
                + "measured interval; CPU/req = (app + worker CPU) / requests; app CPU/req = the application's own CPU / requests. RSS: largest resident size seen. "
                + "Worker queue/exec: p50 of the worker-side times reported with each answer. Other CPU: CPU "
                + "the machine spent outside the application, its workers and the load generator (other processes: a "
                + "disturbed run). Workers: worker processes seen during the run (more than the pool size: a worker "
                + "was replaced). Baseline runs in-process (pool -).\n\n");
        sb.append("| scenario | endpoint | pool | mode | load | req/s | p50 | p90 | p99 | p99.9 | max | errors "
                + "| app CPU s | worker CPU s | CPU/req us | app CPU/req us | other CPU s | app RSS MB | worker RSS MB | workers | w.queue p50 | w.exec p50 |\n");
        sb.append("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map<String, Object> r : rows) {
            boolean open = "open".equals(r.get("mode"));
            sb.append("| ").append(r.get("scenario"))
                    .append(" | ").append(r.get("endpoint"))
                    .append(r.get("transport") == null || "stdio".equals(r.get("transport")) ? "" : " (" + r.get("transport") + ")")
                    .append(" | ").append(((Number) r.get("pool_size")).intValue() == 0 ? "-" : r.get("pool_size"))
                    .append(" | ").append(r.get("mode"))
                    .append(" | ").append(open ? fmt(r.get("rate"), 0) + "/s" + (r.get("note") != null ? " (sustain)" : "")
                            : "c=" + r.get("concurrency"))
                    .append(" | ").append(fmt(r.get("rps"), 0))
                    .append(" | ").append(fmt(r.get("p50_us"), 0))
                    .append(" | ").append(fmt(r.get("p90_us"), 0))
                    .append(" | ").append(fmt(r.get("p99_us"), 0))
                    .append(" | ").append(fmt(r.get("p999_us"), 0))
                    .append(" | ").append(fmt(r.get("max_us"), 0))
                    .append(" | ").append(errors(r))
                    .append(" | ").append(fmt(r.get("app_cpu_s"), 2))
                    .append(" | ").append(fmt(r.get("worker_cpu_s"), 2))
                    .append(" | ").append(fmt(r.get("cpu_us_per_request"), 0))
                    .append(" | ").append(fmt(r.get("app_cpu_us_per_request"), 0))
                    .append(" | ").append(fmt(r.get("other_cpu_s"), 2))
                    .append(" | ").append(fmt(r.get("app_rss_mb"), 0))
                    .append(" | ").append(fmt(r.get("worker_rss_mb"), 0))
                    .append(" | ").append(r.get("workers"))
                    .append(" | ").append(fmt(r.get("worker_queue_us_p50"), 0))
                    .append(" | ").append(fmt(r.get("worker_exec_us_p50"), 0))
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static void targets(List<Map<String, Object>> rows, StringBuilder sb) {
        Map<String, Object> base1 = find(rows, "light", "baseline", 0, "closed", 1);
        for (int pool : pools(rows, "light")) {
            Map<String, Object> off1 = find(rows, "light", "offload", pool, "closed", 1);
            if (base1 != null && off1 != null) {
                double delta = num(off1, "p50_us") - num(base1, "p50_us");
                sb.append(String.format(Locale.ROOT, "| light, c=1: offload p50 - baseline p50 <= 100 us (pool %d) "
                        + "| %+.0f us (%.0f - %.0f) | %s |%n", pool, delta, num(off1, "p50_us"), num(base1, "p50_us"),
                        delta <= 100 ? "PASS" : "MISS"));
            }
        }
        Map<String, Object> base64 = find(rows, "light", "baseline", 0, "closed", 64);
        for (int pool : pools(rows, "light")) {
            Map<String, Object> off64 = find(rows, "light", "offload", pool, "closed", 64);
            if (base64 != null && off64 != null) {
                double ratio = num(off64, "rps") / num(base64, "rps");
                sb.append(String.format(Locale.ROOT, "| light, c=64: offload req/s >= 0.8 x baseline (pool %d) "
                        + "| %.2f x (%.0f / %.0f) | %s |%n", pool, ratio, num(off64, "rps"), num(base64, "rps"),
                        ratio >= 0.8 ? "PASS" : "MISS"));
                double appOff = num(off64, "app_cpu_us_per_request");
                double appBase = num(base64, "app_cpu_us_per_request");
                sb.append(String.format(Locale.ROOT, "| light, c=64: the application's CPU per offloaded request <= per "
                        + "in-process request (pool %d) | %.0f vs %.0f us | %s |%n", pool, appOff, appBase,
                        appOff <= appBase ? "PASS" : "MISS"));
            }
        }
        Map<String, Object> lat = find(rows, "latency", "baseline", 0, "closed", 64);
        for (int pool : pools(rows, "latency")) {
            Map<String, Object> latN = find(rows, "latency", "offload", pool, "closed", 64);
            if (lat != null && latN != null) {
                double ratio = num(latN, "rps") / num(lat, "rps");
                boolean clean = errorCount(latN) == 0;
                sb.append(String.format(Locale.ROOT, "| latency, c=64 closed loop: offload pool %d req/s >= baseline, no errors "
                        + "| %.2f x (%.0f / %.0f), p50 %.1f vs %.1f ms, errors %s | %s |%n", pool, ratio, num(latN, "rps"),
                        num(lat, "rps"), num(latN, "p50_us") / 1000, num(lat, "p50_us") / 1000, errors(latN),
                        ratio >= 1.0 && clean ? "PASS"
                        : String.format(Locale.ROOT, "MISS (%.1f %% short%s)", (1 - ratio) * 100, clean ? "" : ", errors")));
            }
        }
        for (Map<String, Object> r : rows) {
            if (r.get("note") != null && r.get("note").toString().startsWith("sustain")) {
                boolean ok = errorCount(r) == 0 && num(r, "p99_us") < 100_000;
                sb.append(String.format(Locale.ROOT, "| latency, open loop at the baseline's c=64 req/s: offload pool %s "
                        + "keeps up (no errors, p99 < 100 ms) | %.0f/s offered, p50 %.1f ms, p99 %.1f ms, errors %s | %s |%n",
                        r.get("pool_size"), num(r, "rate"), num(r, "p50_us") / 1000, num(r, "p99_us") / 1000, errors(r),
                        ok ? "PASS" : "MISS"));
            }
        }
        List<String> withErrors = new ArrayList<>();
        int counted = 0;
        for (Map<String, Object> r : rows) {
            if (r.get("note") != null) {
                continue; // the sustain runs load the offload at the baseline's capacity on purpose
            }
            counted++;
            if (errorCount(r) > 0) {
                withErrors.add(r.get("scenario") + "/" + r.get("endpoint") + "/pool " + r.get("pool_size") + "/"
                        + r.get("mode") + " " + ("open".equals(r.get("mode")) ? fmt(r.get("rate"), 0) + "/s"
                                : "c=" + r.get("concurrency")) + ": " + errors(r));
            }
        }
        sb.append("| zero non-2xx answers in every run not loaded past capacity on purpose (all but the sustain runs) | ")
                .append(withErrors.isEmpty() ? "none in " + counted + " runs" : String.join("; ", withErrors))
                .append(" | ").append(withErrors.isEmpty() ? "PASS" : "MISS").append(" |\n");
    }

    private static List<Integer> pools(List<Map<String, Object>> rows, String scenario) {
        return rows.stream().filter(r -> scenario.equals(r.get("scenario")) && "offload".equals(r.get("endpoint")))
                .map(r -> ((Number) r.get("pool_size")).intValue()).distinct().sorted().toList();
    }

    private static Map<String, Object> find(List<Map<String, Object>> rows, String scenario, String endpoint, int pool,
            String mode, int concurrency) {
        for (Map<String, Object> r : rows) {
            // the targets are those of the default transport (the demo's child processes)
            boolean stdio = r.get("transport") == null || "stdio".equals(r.get("transport"));
            if (scenario.equals(r.get("scenario")) && endpoint.equals(r.get("endpoint")) && stdio
                    && ((Number) r.get("pool_size")).intValue() == pool && mode.equals(r.get("mode"))
                    && ((Number) r.get("concurrency")).intValue() == concurrency) {
                return r;
            }
        }
        return null;
    }

    private static double num(Map<String, Object> r, String key) {
        return ((Number) r.get(key)).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static long errorCount(Map<String, Object> r) {
        return ((Map<String, Long>) r.get("errors")).values().stream().mapToLong(Long::longValue).sum();
    }

    @SuppressWarnings("unchecked")
    private static String errors(Map<String, Object> r) {
        Map<String, Long> e = (Map<String, Long>) r.get("errors");
        return e.isEmpty() ? "0" : e.toString().replace("{", "").replace("}", "");
    }

    private static String fmt(Object v, int digits) {
        if (v == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%." + digits + "f", ((Number) Objects.requireNonNull(v)).doubleValue());
    }
}
