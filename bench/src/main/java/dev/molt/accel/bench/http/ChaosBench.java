package dev.molt.accel.bench.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The pool's chaos scenario on the packaged demo ({@code bin/molt-chaos}): the demo jar as its own
 * process with its own settings ({@code java -jar}, so its bundled worker, spares and start-up are
 * what a user gets), an open loop of {@code GET /offload/} at a fixed rate from this JVM, and every
 * few seconds a SIGKILL of the worker taking calls (or of every worker taking calls), found through
 * {@code /actuator/molt}. Every answer must be 200, or 503/504 with the JSON error body; the report
 * gives the share of 200s, latencies, and for each kill the time until the first request sent after
 * it was answered 200.
 */
@Command(name = "molt-chaos", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Kills the demo application's workers under load and reports what the requests got.")
public final class ChaosBench implements Callable<Integer> {

    private static final String PATH = "/offload/?user_id=%d&limit=20";

    @Option(names = "--seconds", defaultValue = "30", description = "measured seconds (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "30",
            description = "the same load before, without faults: the application's JIT settles (default ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--rate", defaultValue = "200", description = "requests per second (default ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--every", defaultValue = "2", description = "seconds between kills (default ${DEFAULT-VALUE})")
    double every;

    @Option(names = "--kill", defaultValue = "serving",
            description = "serving: the worker taking calls (the first position); all: every worker taking calls (default ${DEFAULT-VALUE})")
    String kill;

    @Option(names = "--pool", description = "MOLT_ACCEL_POOL_SIZE (default: the demo's)")
    Integer pool;

    @CommandLine.Mixin
    DemoJarOptions demo;

    @Option(names = "--name", defaultValue = "chaos", description = "result file name after the date (default ${DEFAULT-VALUE})")
    String name;

    record Sample(long sentNanos, long doneNanos, int status, boolean jsonError) {
        long micros() {
            return (doneNanos - sentNanos) / 1_000;
        }
    }

    record Kill(long atNanos, List<Long> pids) {
    }

    public static void main(String[] args) {
        System.exit(DemoJarOptions.commandLine(new ChaosBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (!kill.equals("serving") && !kill.equals("all")) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--kill is serving or all, not " + kill);
        }
        Map<String, String> env = new TreeMap<>();
        if (pool != null) {
            env.put("MOLT_ACCEL_POOL_SIZE", Integer.toString(pool));
        }
        String started = LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 19);
        try (DemoProcess app = DemoProcess.start(demo.jar, env, demo.appJavaOptions(), demo.logs.resolve("molt-chaos-demo.log"))) {
            app.awaitReady(Duration.ofMinutes(2));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newFixedThreadPool(4)).build();
            System.out.printf(Locale.ROOT, "warm-up: %d s at %d req/s%n", warmupSeconds, rate);
            run(http, app.port(), Duration.ofSeconds(warmupSeconds), null, null);
            ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
            List<Kill> kills = Collections.synchronizedList(new ArrayList<>());
            System.out.printf(Locale.ROOT, "run: %d s at %d req/s, kill (%s) every %.1f s%n", seconds, rate, kill, every);
            run(http, app.port(), Duration.ofSeconds(seconds), samples, () -> kills.add(killWorkers(app)));
            String report = report(started, new ArrayList<>(samples), new ArrayList<>(kills));
            System.out.println(report);
            if (!demo.noWrite) {
                Files.createDirectories(demo.results);
                Path file = demo.results.resolve(LocalDate.now() + "-" + name + ".md");
                Files.writeString(file, report);
                System.out.println("written: " + file);
            }
            ((ExecutorService) http.executor().orElseThrow()).shutdownNow();
        }
        return 0;
    }

    /** The open loop for {@code length}; faults every {@link #every} seconds when {@code fault} is set. */
    private void run(HttpClient http, int port, Duration length, ConcurrentLinkedQueue<Sample> samples, Runnable fault)
            throws Exception {
        ScheduledExecutorService faults = Executors.newSingleThreadScheduledExecutor();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        try {
            if (fault != null) {
                long period = (long) (every * 1000);
                // a fixed delay: a kill that had to wait for a worker is not followed at once by the ones it delayed
                faults.scheduleWithFixedDelay(() -> {
                    try {
                        fault.run();
                    } catch (RuntimeException e) {
                        System.err.println("kill failed: " + e);
                    }
                }, period / 2, period, TimeUnit.MILLISECONDS);
            }
            long periodNanos = 1_000_000_000L / rate;
            long total = length.toNanos() / periodNanos;
            long start = System.nanoTime();
            for (long i = 0; i < total; i++) {
                long wait = start + i * periodNanos - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + String.format(Locale.ROOT, PATH, 1 + i % 50))).timeout(Duration.ofSeconds(10)).GET().build();
                long sent = System.nanoTime();
                pending.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((r, e) -> {
                    if (samples != null) {
                        int status = r == null ? -1 : r.statusCode();
                        boolean json = r != null && r.body().startsWith("{\"error\":\"Molt") && r.body().contains("\"detail\":");
                        samples.add(new Sample(sent, System.nanoTime(), status, json));
                    }
                    return null;
                }));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            faults.shutdown();
            faults.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /** Kills the worker taking calls (or all of them), waiting for one when none is; returns what it killed. */
    private Kill killWorkers(DemoProcess app) {
        ObjectMapper json = new ObjectMapper();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() - deadline < 0) {
            try {
                JsonNode workers = json.readTree(app.get("/actuator/molt/default")).path("workers");
                List<Long> serving = new ArrayList<>();
                for (JsonNode w : workers) {
                    if (w.has("position")) {
                        serving.add(w.path("id").asLong());
                    }
                }
                if (!serving.isEmpty()) {
                    List<Long> targets = kill.equals("all") ? serving : List.of(serving.get(0));
                    long at = System.nanoTime();
                    for (long pid : targets) {
                        ProcessHandle.of(pid).filter(p -> p.parent().map(q -> q.pid() == app.pid()).orElse(false))
                                .ifPresent(ProcessHandle::destroyForcibly);
                    }
                    return new Kill(at, targets);
                }
            } catch (Exception e) {
                // the endpoint may be slow under the load: ask again
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        throw new IllegalStateException("no worker took calls for 30 s");
    }

    private String report(String started, List<Sample> samples, List<Kill> kills) {
        Map<Integer, Long> statuses = new TreeMap<>();
        long badBodies = 0;
        for (Sample s : samples) {
            statuses.merge(s.status(), 1L, Long::sum);
            if (s.status() != 200 && !s.jsonError()) {
                badBodies++;
            }
        }
        long ok = statuses.getOrDefault(200, 0L);
        double share = samples.isEmpty() ? 0 : (double) ok / samples.size();
        long[] micros = samples.stream().mapToLong(Sample::micros).sorted().toArray();
        List<Sample> byDone = samples.stream().filter(s -> s.status() == 200)
                .sorted((a, b) -> Long.compare(a.doneNanos(), b.doneNanos())).toList();
        List<Long> recovery = new ArrayList<>();
        for (Kill k : kills) {
            long best = -1;
            for (Sample s : byDone) {
                if (s.sentNanos() >= k.atNanos()) {
                    best = (s.doneNanos() - k.atNanos()) / 1_000_000;
                    break;
                }
            }
            recovery.add(best);
        }
        long maxRecovery = recovery.stream().mapToLong(Long::longValue).max().orElse(-1);
        boolean all = kill.equals("all");
        double shareTarget = all ? 0.99 : 0.999;
        long recoveryTarget = all ? 1000 : 500;
        StringBuilder b = new StringBuilder();
        b.append("# Chaos on the packaged demo\n\n");
        b.append("- date: ").append(started).append('\n');
        String invocation = System.getenv("MOLT_BENCH_INVOCATION");
        b.append("- command: `").append(invocation != null ? invocation : "bin/molt-chaos " + String.join(" ", commandLine()))
                .append("`\n");
        b.append(String.format(Locale.ROOT, "- machine: %d CPUs, Java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version")));
        b.append(String.format(Locale.ROOT, "- load: `GET /offload/` open loop at %d req/s for %d s after %d s without faults; "
                + "SIGKILL of %s every %.1f s (%d kills)%n%n", rate, seconds, warmupSeconds,
                all ? "every worker taking calls" : "the worker taking calls", every, kills.size()));
        b.append("| target | measured | verdict |\n|---|---|---|\n");
        b.append(String.format(Locale.ROOT, "| 200s >= %.1f %% | %.2f %% (%d of %d; %s) | %s |%n", shareTarget * 100,
                share * 100, ok, samples.size(), statuses, share >= shareTarget ? "PASS" : "MISS"));
        b.append(String.format(Locale.ROOT, "| every other answer 503/504 with the JSON error body | %d not | %s |%n",
                badBodies + statuses.keySet().stream().filter(s -> s != 200 && s != 503 && s != 504)
                        .mapToLong(statuses::get).sum(),
                badBodies == 0 && statuses.keySet().stream().allMatch(s -> s == 200 || s == 503 || s == 504) ? "PASS" : "MISS"));
        if (!all) {
            long max = micros.length == 0 ? 0 : micros[micros.length - 1];
            b.append(String.format(Locale.ROOT, "| max latency <= 1 s | %d ms | %s |%n", max / 1000, max <= 1_000_000 ? "PASS" : "MISS"));
        }
        b.append(String.format(Locale.ROOT, "| back to 200 within %d ms of every kill | max %d ms | %s |%n%n", recoveryTarget,
                maxRecovery, kills.isEmpty() || recovery.contains(-1L) || maxRecovery > recoveryTarget ? "MISS" : "PASS"));
        b.append(String.format(Locale.ROOT, "Latency (us): p50 %d, p99 %d, p99.9 %d, max %d. Back to 200 after each kill (ms): %s.%n",
                pct(micros, 0.50), pct(micros, 0.99), pct(micros, 0.999), micros.length == 0 ? 0 : micros[micros.length - 1],
                recovery));
        return b.toString();
    }

    private List<String> commandLine() {
        List<String> args = new ArrayList<>();
        args.add("--seconds " + seconds);
        args.add("--warmup-seconds " + warmupSeconds);
        args.add("--rate " + rate);
        args.add("--every " + every);
        args.add("--kill " + kill);
        if (pool != null) {
            args.add("--pool " + pool);
        }
        if (!demo.appJavaOpts.isBlank()) {
            args.add("--app-java-opts '" + demo.appJavaOpts + "'");
        }
        return args;
    }

    private static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
