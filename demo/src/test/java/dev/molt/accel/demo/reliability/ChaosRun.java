package dev.molt.accel.demo.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives a steady open-loop request rate at the demo app while a fault is injected at a fixed
 * period, and checks what every request got.
 */
final class ChaosRun {

    static final String IDEMPOTENT = "/offload/";
    static final String ONCE = "/chaos/once";

    record Sample(String endpoint, long sentNanos, long doneNanos, int status, String body) {
        long micros() {
            return (doneNanos - sentNanos) / 1_000;
        }
    }

    record Fault(long atNanos, long pid) {
    }

    private final String name;
    private final int port;
    private final int rate;
    private final Duration length;
    private final Duration timeout;
    private final Path countFile;

    ChaosRun(String name, int port, int rate, Duration length, Duration timeout, Path countFile) {
        this.name = name;
        this.port = port;
        this.rate = rate;
        this.length = length;
        this.timeout = timeout;
        this.countFile = countFile;
    }

    Result execute(Duration faultEvery, Callable<Long> fault) throws Exception {
        long executionsBefore = lines(countFile);
        ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        List<Fault> faults = Collections.synchronizedList(new ArrayList<>());
        ExecutorService httpThreads = Executors.newFixedThreadPool(4);
        ScheduledExecutorService injector = Executors.newSingleThreadScheduledExecutor();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(httpThreads)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        AtomicReference<Throwable> faultFailure = new AtomicReference<>();
        long start = System.nanoTime();
        try {
            // with a fixed delay, not a fixed rate: a fault that waited for a worker to exist is not
            // followed at once by the ones it delayed (that would kill each new worker as it comes up)
            injector.scheduleWithFixedDelay(() -> {
                long at = System.nanoTime();
                try {
                    faults.add(new Fault(at, fault.call()));
                } catch (Exception | Error e) {
                    // a periodic task that throws is silently never run again: keep the cause for the run's end
                    faultFailure.compareAndSet(null, e);
                    throw new IllegalStateException("fault injection failed", e);
                }
            }, faultEvery.toMillis() / 2, faultEvery.toMillis(), TimeUnit.MILLISECONDS);
            long periodNanos = 1_000_000_000L / rate;
            long total = length.toNanos() / periodNanos;
            for (long i = 0; i < total; i++) {
                long intended = start + i * periodNanos;
                long wait = intended - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                String endpoint = i % 4 == 3 ? ONCE : IDEMPOTENT;
                String query = endpoint.equals(ONCE) ? "" : "?user_id=" + (1 + i % 50) + "&limit=20";
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + endpoint + query))
                        .timeout(Duration.ofSeconds(10)).GET().build();
                long sent = System.nanoTime();
                pending.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((resp, err) -> {
                    samples.add(new Sample(endpoint, sent, System.nanoTime(), resp == null ? -1 : resp.statusCode(),
                            resp == null ? String.valueOf(err) : resp.body()));
                    return null;
                }));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            // shutdown, not shutdownNow: no more faults, but one in progress finishes; interrupted,
            // it could kill a worker and never start its successor (the run would end one short)
            injector.shutdown();
            if (!injector.awaitTermination(30, TimeUnit.SECONDS)) {
                injector.shutdownNow();
                injector.awaitTermination(10, TimeUnit.SECONDS);
            }
            httpThreads.shutdownNow();
            httpThreads.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (faultFailure.get() != null) {
            throw new AssertionError("fault " + (faults.size() + 1) + " of run '" + name + "' failed; no fault after it",
                    faultFailure.get());
        }
        return new Result(name, new ArrayList<>(samples), new ArrayList<>(faults), lines(countFile) - executionsBefore,
                timeout);
    }

    private static long lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (var s = Files.lines(file)) {
            return s.count();
        }
    }

    /** What a run measured, with the checks of the chaos scenario. */
    static final class Result {
        final String name;
        final List<Sample> samples;
        final List<Fault> faults;
        final long executions;
        final Duration timeout;

        Result(String name, List<Sample> samples, List<Fault> faults, long executions, Duration timeout) {
            this.name = name;
            this.samples = samples;
            this.faults = faults;
            this.executions = executions;
            this.timeout = timeout;
        }

        Map<Integer, Long> statuses(String endpoint) {
            Map<Integer, Long> m = new TreeMap<>();
            for (Sample s : samples) {
                if (endpoint == null || s.endpoint().equals(endpoint)) {
                    m.merge(s.status(), 1L, Long::sum);
                }
            }
            return m;
        }

        long count(String endpoint) {
            return samples.stream().filter(s -> s.endpoint().equals(endpoint)).count();
        }

        long maxMicros() {
            return samples.stream().mapToLong(Sample::micros).max().orElse(0);
        }

        long percentileMicros(double p) {
            long[] v = samples.stream().mapToLong(Sample::micros).sorted().toArray();
            return v.length == 0 ? 0 : v[Math.min(v.length - 1, (int) Math.ceil(p * v.length) - 1)];
        }

        /** For each fault, time until the first request sent after it answered 200. */
        List<Long> recoveryMillis() {
            List<Sample> ok = samples.stream().filter(s -> s.status() == 200)
                    .sorted((a, b) -> Long.compare(a.doneNanos(), b.doneNanos())).toList();
            List<Long> out = new ArrayList<>();
            for (Fault f : faults) {
                long best = -1;
                for (Sample s : ok) {
                    if (s.sentNanos() >= f.atNanos()) {
                        best = (s.doneNanos() - f.atNanos()) / 1_000_000;
                        break;
                    }
                }
                out.add(best);
            }
            return out;
        }

        double idempotentSuccess() {
            long n = count(IDEMPOTENT);
            return n == 0 ? 0 : (double) statuses(IDEMPOTENT).getOrDefault(200, 0L) / n;
        }

        private long sinceFault(long at) {
            long best = -1;
            for (Fault f : faults) {
                if (f.atNanos() <= at) {
                    best = (at - f.atNanos()) / 1_000_000;
                }
            }
            return best;
        }

        void report() throws IOException {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("fault", name);
            r.put("requests", samples.size());
            r.put("faults", faults.size());
            r.put("statuses_idempotent", statuses(IDEMPOTENT));
            r.put("statuses_non_idempotent", statuses(ONCE));
            r.put("idempotent_success", Math.round(idempotentSuccess() * 10_000) / 10_000.0);
            r.put("non_idempotent_requests", count(ONCE));
            r.put("non_idempotent_executions", executions);
            r.put("p50_us", percentileMicros(0.50));
            r.put("p99_us", percentileMicros(0.99));
            r.put("max_us", maxMicros());
            List<Long> rec = recoveryMillis();
            r.put("recovery_ms_max", rec.stream().mapToLong(Long::longValue).max().orElse(-1));
            r.put("recovery_ms", rec);
            r.put("errors", errorDetails());
            r.put("failures_by_ms_since_fault", failuresSinceFault());
            r.put("slowest", samples.stream().sorted((a, b) -> Long.compare(b.micros(), a.micros())).limit(5)
                    .map(x -> x.endpoint() + " " + x.status() + " " + x.micros() / 1000 + " ms, sent "
                            + sinceFault(x.sentNanos()) + " ms after a fault")
                    .toList());
            String json = new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(r);
            Path dir = Path.of("target", "reliability");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("chaos-" + name + ".json"), json);
            System.out.println("Chaos run '" + name + "': " + json);
        }

        /** Failed requests by the time between the fault before them and their sending (ms buckets). */
        Map<String, Long> failuresSinceFault() {
            long[] bounds = {50, 100, 250, 500, 1000, 2000};
            Map<String, Long> out = new LinkedHashMap<>();
            for (Sample s : samples) {
                if (s.status() != 200) {
                    long ms = sinceFault(s.sentNanos());
                    String key = ms < 0 ? "before the first" : null;
                    for (int i = 0; key == null && i < bounds.length; i++) {
                        if (ms < bounds[i]) {
                            key = "<" + bounds[i];
                        }
                    }
                    out.merge(key == null ? ">=2000" : key, 1L, Long::sum);
                }
            }
            return out;
        }

        /** How many failed requests gave each error detail (digits as {@code N}), most frequent first, at most 8. */
        Map<String, Long> errorDetails() {
            Map<String, Long> counts = new TreeMap<>();
            for (Sample s : samples) {
                if (s.status() != 200) {
                    String body = s.body() == null ? "" : s.body();
                    int at = body.indexOf("\"detail\":");
                    String detail = at < 0 ? body : body.substring(at + 9);
                    detail = detail.substring(0, Math.min(120, detail.length())).replaceAll("[0-9]+", "N");
                    counts.merge(s.status() + " " + detail, 1L, Long::sum);
                }
            }
            Map<String, Long> top = new LinkedHashMap<>();
            counts.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(8)
                    .forEach(e -> top.put(e.getKey(), e.getValue()));
            return top;
        }

        void assertOnlyStatuses(Integer... allowed) {
            // the count and the first few, not every sample of the run
            List<Sample> unanswered = samples.stream().filter(s -> s.status() <= 0).toList();
            assertThat(unanswered.size()).as("requests of run '%s' without an answer (of %s; first: %s)", name,
                    samples.size(), unanswered.stream().limit(3).toList()).isZero();
            assertThat(statuses(null).keySet()).as("statuses of run '%s'", name).isSubsetOf(List.of(allowed));
            for (Sample s : samples) {
                if (s.status() != 200) {
                    assertThat(s.body()).as("error body").startsWith("{\"error\":\"Molt").contains("\"detail\":");
                }
            }
        }

        void assertNoneLaterThan(Duration bound) {
            assertThat(maxMicros()).as("slowest answer (us) of run '%s'", name).isLessThanOrEqualTo(bound.toNanos() / 1_000);
        }

        void assertIdempotentSuccessAtLeast(double ratio) {
            assertThat(idempotentSuccess()).as("share of 200s on %s in run '%s'", IDEMPOTENT, name).isGreaterThanOrEqualTo(ratio);
        }

        void assertNonIdempotentNeverTwice() {
            long oks = statuses(ONCE).getOrDefault(200, 0L);
            assertThat(executions).as("executions of the non-idempotent export")
                    .isGreaterThanOrEqualTo(oks).isLessThanOrEqualTo(count(ONCE));
        }

        void assertRecoveryWithin(Duration bound) {
            assertThat(faults).isNotEmpty();
            assertThat(recoveryMillis()).as("recovery after each fault (ms)")
                    .allSatisfy(ms -> assertThat(ms).isBetween(0L, bound.toMillis()));
        }
    }
}
