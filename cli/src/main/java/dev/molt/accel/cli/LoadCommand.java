package dev.molt.accel.cli;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.ClientStats;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code molt-accel load}: a closed-loop load of N threads each calling one export back to back,
 * reporting calls/s and latency percentiles (HdrHistogram, microsecond resolution).
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Put a quick closed-loop load on the worker(s): CONCURRENCY threads call ENTRY back to back.",
            "Prints calls/s and latency percentiles; exits non-zero (the code of the most frequent failure) "
                    + "when any call failed."},
        footer = {"", "Examples:",
            "  molt-accel load --entry compute --json '{\"values\":[1,2,3]}' --concurrency 64 --duration 10s",
            "  molt-accel --pool-size 2 load --requests 100000"})
final class LoadCommand implements Callable<Integer> {

    private static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(5);

    @ParentCommand
    MoltAccelCli cli;

    @Spec
    CommandSpec spec;

    @Option(names = {"-e", "--entry"}, paramLabel = "ENTRY", defaultValue = "__ping__",
            description = "Export to call (default: ${DEFAULT-VALUE}).")
    String entry;

    @Mixin
    PayloadOptions payload;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "N", defaultValue = "8",
            description = "Calling threads, each with one call in flight (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = {"-d", "--duration"}, paramLabel = "TIME", defaultValue = "10s",
            converter = Converters.DurationConverter.class,
            description = "How long to measure, e.g. 500ms, 10s, 1m (default: ${DEFAULT-VALUE}); ignored with --requests.")
    Duration duration;

    @Option(names = {"-n", "--requests"}, paramLabel = "N",
            description = "Measure exactly N calls instead of a duration.")
    Long requests;

    @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "1s",
            converter = Converters.DurationConverter.class,
            description = "Unmeasured load before measuring, to warm up both JVMs (default: ${DEFAULT-VALUE}; 0 = none).")
    Duration warmup;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "Report format (default: ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() {
        if (concurrency < 1 || concurrency > 4096) {
            throw usage("--concurrency must be within 1..4096, got " + concurrency);
        }
        if (requests != null && requests < 1) {
            throw usage("--requests must be at least 1, got " + requests);
        }
        if (duration.isZero() && requests == null) {
            throw usage("--duration must be positive");
        }
        if (!format.equals("text") && !format.equals("json")) {
            throw usage("--format must be text or json, got '" + format + "'");
        }
        byte[] body = payload.encode(entry);
        Codec codec = payload.codec(entry);
        CallOptions options = cli.callOptions(CallOptions.DEFAULT_TIMEOUT.toMillis()).codec(codec)
                .decodeResponse(false).build();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Run run;
        ClientStats stats;
        try (MoltClient client = cli.buildClient()) {
            client.start();
            if (!warmup.isZero()) {
                new Run(client, entry, body, options, concurrency, warmup.toNanos(), -1).execute();
            }
            run = new Run(client, entry, body, options, concurrency, duration.toNanos(), requests == null ? -1 : requests);
            run.execute();
            stats = client.stats();
        }
        Map<String, Object> report = report(run, codec, stats);
        if (format.equals("json")) {
            out.println(new String(Payloads.encode(Codec.JSON, report), StandardCharsets.UTF_8));
        } else {
            printText(out, run, codec, stats);
        }
        out.flush();
        if (run.failed() == 0) {
            return ExitCodes.OK;
        }
        MoltAccelException first = run.firstFailure.get();
        err.println("first failure: " + first.errorCode() + ": " + first.getMessage());
        err.flush();
        String worst = run.mostFrequentError();
        return ExitCodes.of(worst);
    }

    private Map<String, Object> report(Run run, Codec codec, ClientStats stats) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("entry", entry);
        m.put("codec", codec.id());
        m.put("workers", stats.workers());
        m.put("concurrency", concurrency);
        m.put("ok", run.histogram.getTotalCount());
        m.put("failed", run.failed());
        m.put("errors", run.errors());
        m.put("elapsed_s", round(run.elapsedNanos / 1e9, 3));
        m.put("calls_per_s", round(run.callsPerSecond(), 1));
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("p50", ms(run.histogram.getValueAtPercentile(50)));
        lat.put("p90", ms(run.histogram.getValueAtPercentile(90)));
        lat.put("p99", ms(run.histogram.getValueAtPercentile(99)));
        lat.put("p999", ms(run.histogram.getValueAtPercentile(99.9)));
        lat.put("max", ms(run.histogram.getMaxValue()));
        m.put("latency_ms", lat);
        m.put("restarts", stats.restarts());
        return m;
    }

    private void printText(PrintWriter out, Run run, Codec codec, ClientStats stats) {
        Histogram h = run.histogram;
        out.printf(Locale.ROOT, "load: entry %s, codec %s, %d worker%s, concurrency %d%n", entry, codec.id(),
                stats.workers(), stats.workers() == 1 ? "" : "s", concurrency);
        out.printf(Locale.ROOT, "calls:   %d ok, %d failed in %.2f s%s%n", h.getTotalCount(), run.failed(),
                run.elapsedNanos / 1e9, warmup.isZero() ? "" : " (after " + warmup.toMillis() + " ms warm-up)");
        out.printf(Locale.ROOT, "rate:    %.0f calls/s%n", run.callsPerSecond());
        if (h.getTotalCount() > 0) {
            out.printf(Locale.ROOT, "latency: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms%n",
                    h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6, h.getValueAtPercentile(99) / 1e6,
                    h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
        }
        for (Map.Entry<String, Long> e : run.errors().entrySet()) {
            out.printf(Locale.ROOT, "errors:  %s x %d%n", e.getKey(), e.getValue());
        }
        if (stats.restarts() > 0) {
            out.printf(Locale.ROOT, "workers restarted: %d (last reason: %s)%n", stats.restarts(), stats.lastFailure());
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static double ms(long nanos) {
        return round(nanos / 1e6, 3);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /** One phase of load: threads calling back to back until the deadline or the request budget. */
    private static final class Run {
        final MoltClient client;
        final String entry;
        final byte[] body;
        final CallOptions options;
        final int threads;
        final long durationNanos;
        final AtomicLong budget;
        final Histogram histogram = new Histogram(MAX_LATENCY_NANOS, 3);
        final Map<String, AtomicLong> errorCounts = new ConcurrentHashMap<>();
        final AtomicReference<MoltAccelException> firstFailure = new AtomicReference<>();
        long elapsedNanos;

        Run(MoltClient client, String entry, byte[] body, CallOptions options, int threads, long durationNanos,
                long requests) {
            this.client = client;
            this.entry = entry;
            this.body = body;
            this.options = options;
            this.threads = threads;
            this.durationNanos = durationNanos;
            this.budget = requests < 0 ? null : new AtomicLong(requests);
        }

        void execute() {
            List<Thread> workers = new ArrayList<>();
            List<Histogram> histograms = new ArrayList<>();
            long start = System.nanoTime();
            long deadline = start + durationNanos;
            for (int i = 0; i < threads; i++) {
                Histogram h = new Histogram(MAX_LATENCY_NANOS, 3);
                histograms.add(h);
                Thread t = new Thread(() -> loop(h, deadline), "molt-accel-load-" + i);
                t.setDaemon(true);
                workers.add(t);
            }
            workers.forEach(Thread::start);
            try {
                for (Thread t : workers) {
                    t.join();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                workers.forEach(Thread::interrupt);
            }
            elapsedNanos = System.nanoTime() - start;
            histograms.forEach(histogram::add);
        }

        private void loop(Histogram h, long deadline) {
            while (!Thread.currentThread().isInterrupted()) {
                if (budget != null) {
                    if (budget.getAndDecrement() <= 0) {
                        return;
                    }
                } else if (System.nanoTime() - deadline >= 0) {
                    return;
                }
                long t0 = System.nanoTime();
                try {
                    client.call(entry, body, options);
                    h.recordValue(Math.min(System.nanoTime() - t0, MAX_LATENCY_NANOS));
                } catch (MoltAccelException e) {
                    firstFailure.compareAndSet(null, e);
                    errorCounts.computeIfAbsent(e.errorCode(), k -> new AtomicLong()).incrementAndGet();
                }
            }
        }

        long failed() {
            long n = 0;
            for (AtomicLong c : errorCounts.values()) {
                n += c.get();
            }
            return n;
        }

        Map<String, Long> errors() {
            Map<String, Long> m = new TreeMap<>();
            errorCounts.forEach((k, v) -> m.put(k, v.get()));
            return m;
        }

        String mostFrequentError() {
            return errors().entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
        }

        double callsPerSecond() {
            return elapsedNanos == 0 ? 0 : histogram.getTotalCount() * 1e9 / elapsedNanos;
        }
    }
}
