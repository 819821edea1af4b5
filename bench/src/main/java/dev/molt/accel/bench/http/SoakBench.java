package dev.molt.accel.bench.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The soak run ({@code bin/molt-soak}): the demo jar as its own process under a steady, moderate mix
 * of offloaded, in-process and malformed requests for a long time, with the resident memory of the
 * application and of its workers, the application's threads, open descriptors and heap sampled at a
 * fixed period. Writes {@code <results>/<date>-<name>.csv} (every sample), {@code .md} (summary and
 * the curve per minute) and {@code .png} (the curve).
 *
 * <p>The load runs in windows of one sample period each, every stream of the mix an open loop at its
 * share of the rate; a sample is taken after every window. Every answer is checked against the
 * status its stream must get (200, or 400 for the malformed query).
 */
@Command(name = "molt-soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Soak run of the demo application: steady moderate load, resident memory sampled.")
public final class SoakBench implements Callable<Integer> {

    /** One stream of the traffic mix: its path, its share of the rate and the status every answer must have. */
    record Stream(String name, String path, double share, int status) {
    }

    static final List<Stream> MIX = List.of(
            new Stream("offload", "/offload/?user_id=42&limit=50", 0.60, 200),
            new Stream("compute", "/compute_offload/?values=1,2,3,4&scale=2&offset=1", 0.15, 200),
            new Stream("table", "/offload_table/?rows=2000", 0.05, 200),
            new Stream("baseline", "/baseline/?user_id=42&limit=50", 0.10, 200),
            new Stream("malformed", "/offload/?user_id=abc", 0.10, 400));

    /**
     * One sample, taken after a load window.
     *
     * @param seconds since the application was ready
     * @param warmup whether the window belonged to the warm-up
     * @param workerPids the worker processes alive at the sample
     * @param requests requests due in the window (all streams)
     * @param unexpected requests whose answer was not the stream's status (timeouts and I/O errors included)
     * @param offloadP99Ms 99th percentile latency of the {@code offload} stream in the window
     */
    record Sample(double seconds, boolean warmup, double appRssMib, double workersRssMib, List<Long> workerPids,
            long appThreads, long appFds, double heapUsedMib, long requests, long unexpected, double offloadP99Ms) {
    }

    @Option(names = "--minutes", defaultValue = "10", description = "measured minutes, after the warm-up (default ${DEFAULT-VALUE})")
    double minutes;

    @Option(names = "--warmup-seconds", defaultValue = "60", description = "warm-up under the same load, sampled but not judged (default ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--rate", defaultValue = "200", description = "requests per second, all streams together (default ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--sample-seconds", defaultValue = "10", description = "load window and sample period (default ${DEFAULT-VALUE})")
    int sampleSeconds;

    @Option(names = "--pool", defaultValue = "2", description = "worker processes, MOLT_ACCEL_POOL_SIZE (default ${DEFAULT-VALUE})")
    int pool;

    @CommandLine.Mixin
    DemoJarOptions demo;

    @Option(names = "--worker-java-opts", defaultValue = "", description = "JVM options of the bundled workers "
            + "(molt.accel.worker.java-options; split on white space)")
    String workerJavaOpts;

    @Option(names = "--name", defaultValue = "soak", description = "result file name after the date (default ${DEFAULT-VALUE})")
    String name;

    private final ObjectMapper json = new ObjectMapper();

    public static void main(String[] args) {
        // the launcher passes --jar, --results and --logs first; options given after them win
        System.exit(DemoJarOptions.commandLine(new SoakBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        validate();
        List<String> javaOptions = demo.appJavaOptions();
        List<String> workerOptions = DemoJarOptions.split(workerJavaOpts);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MOLT_ACCEL_POOL_SIZE", Integer.toString(pool));
        if (!workerOptions.isEmpty()) {
            // Spring binds a comma-separated variable to the list property molt.accel.worker.java-options
            env.put("MOLT_ACCEL_WORKER_JAVAOPTIONS", String.join(",", workerOptions));
        }
        Path logFile = demo.logs.resolve("soak.log");
        int warmupWindows = (warmupSeconds + sampleSeconds - 1) / sampleSeconds;
        int windows = (int) Math.ceil(minutes * 60 / sampleSeconds);
        log("starting the demo (pool %d, java options %s), log %s", pool, javaOptions, logFile);
        List<Sample> samples = new ArrayList<>();
        ExecutorService streams = Executors.newFixedThreadPool(MIX.size(), r -> {
            Thread t = new Thread(r, "molt-soak-stream");
            t.setDaemon(true);
            return t;
        });
        long started;
        try (DemoProcess app = DemoProcess.start(demo.jar, env, javaOptions, logFile)) {
            app.awaitReady(Duration.ofSeconds(90));
            started = System.nanoTime();
            checkMix(app);
            samples.add(sample(app, started, true, null));
            for (int w = 0; w < warmupWindows + windows; w++) {
                boolean warmup = w < warmupWindows;
                List<LoadGenerator.Result> window = runWindow(streams, app.port());
                Sample s = sample(app, started, warmup, window);
                samples.add(s);
                log("%5.0f s%s: app %.1f MiB, workers %.1f MiB %s, threads %d, fds %d, heap %.1f MiB, %d requests, "
                        + "%d unexpected, offload p99 %.2f ms", s.seconds, warmup ? " (warm-up)" : "", s.appRssMib,
                        s.workersRssMib, s.workerPids, s.appThreads, s.appFds, s.heapUsedMib, s.requests, s.unexpected,
                        s.offloadP99Ms);
            }
        } finally {
            streams.shutdownNow();
        }
        String markdown = markdown(samples, javaOptions);
        System.out.println(markdown);
        if (!demo.noWrite) {
            Path results = demo.results;
            Files.createDirectories(results);
            String base = LocalDate.now().format(DateTimeFormatter.ISO_LOCAL_DATE) + "-" + name;
            Files.writeString(results.resolve(base + ".csv"), csv(samples), StandardCharsets.UTF_8);
            Files.writeString(results.resolve(base + ".md"), markdown + "\n![RSS curve](" + base + ".png)\n",
                    StandardCharsets.UTF_8);
            SoakChart.write(samples, "Resident memory under " + (int) rate + " req/s for " + fmt(minutes) + " min",
                    results.resolve(base + ".png"));
            log("wrote %s.{csv,md,png} in %s", base, results);
        }
        return samples.stream().anyMatch(s -> s.unexpected > 0) ? 1 : 0;
    }

    private void validate() {
        if (!(minutes > 0) || warmupSeconds < 0 || !(rate > 0) || sampleSeconds < 1 || pool < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--minutes, --rate, --sample-seconds and --pool must be positive, --warmup-seconds not negative");
        }
    }

    /** One request of each stream before the load: a wrong answer here is a setup problem, not a soak finding. */
    private static void checkMix(DemoProcess app) throws IOException, InterruptedException {
        for (Stream s : MIX) {
            if (s.status / 100 == 2) {
                app.get(s.path);
            }
        }
    }

    private List<LoadGenerator.Result> runWindow(ExecutorService streams, int port) throws Exception {
        Duration window = Duration.ofSeconds(sampleSeconds);
        List<Future<LoadGenerator.Result>> futures = new ArrayList<>();
        for (Stream s : MIX) {
            LoadGenerator.Config c = LoadGenerator.Config.open(port, s.path, rate * s.share, 8, Duration.ZERO, window)
                    .withTimeout(Duration.ofSeconds(5));
            futures.add(streams.submit(() -> LoadGenerator.run(c)));
        }
        List<LoadGenerator.Result> out = new ArrayList<>();
        for (Future<LoadGenerator.Result> f : futures) {
            out.add(f.get());
        }
        return out;
    }

    private Sample sample(DemoProcess app, long started, boolean warmup, List<LoadGenerator.Result> window) {
        long pid = app.pid();
        List<Long> workers = ProcStats.children(pid);
        double workersRss = 0;
        for (long w : workers) {
            workersRss += Math.max(0, ProcStats.rssKib(w)) / 1024.0;
        }
        long requests = 0;
        long unexpected = 0;
        double p99 = 0;
        if (window != null) {
            for (int i = 0; i < MIX.size(); i++) {
                LoadGenerator.Result r = window.get(i);
                requests += r.requests() + r.errors().getOrDefault("io", 0L) + r.errors().getOrDefault("timeout", 0L);
                unexpected += unexpected(MIX.get(i), r);
                if (MIX.get(i).name.equals("offload")) {
                    p99 = r.latencyUs(99) / 1000;
                }
            }
        }
        return new Sample((System.nanoTime() - started) / 1e9, warmup, ProcStats.rssKib(pid) / 1024.0, workersRss,
                workers, ProcStats.threads(pid), ProcStats.openFds(pid), heapUsedMib(app), requests, unexpected, p99);
    }

    /** Answers of {@code r} that are not {@code s}'s status, plus requests that got no answer. */
    static long unexpected(Stream s, LoadGenerator.Result r) {
        Map<String, Long> errors = r.errors();
        long noAnswer = errors.getOrDefault("io", 0L) + errors.getOrDefault("timeout", 0L);
        long matching = s.status / 100 == 2 ? r.requests() - (r.errorCount() - noAnswer)
                : errors.getOrDefault(Integer.toString(s.status), 0L);
        return r.requests() - matching + noAnswer;
    }

    private double heapUsedMib(DemoProcess app) {
        try {
            JsonNode m = json.readTree(app.get("/actuator/metrics/jvm.memory.used?tag=area:heap"));
            return m.path("measurements").path(0).path("value").asDouble() / (1024 * 1024);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String markdown(List<Sample> samples, List<String> javaOptions) {
        List<Sample> measured = samples.stream().filter(s -> !s.warmup).toList();
        StringBuilder sb = new StringBuilder();
        sb.append("# Soak: ").append(fmt(minutes)).append(" min at ").append(fmt(rate)).append(" req/s\n\n");
        sb.append("- run: ").append(LocalDateTime.now().withNano(0)).append(", `")
                .append(System.getenv().getOrDefault("MOLT_BENCH_INVOCATION", "molt-soak")).append("`\n");
        sb.append("- application: `java ").append(String.join(" ", javaOptions)).append(javaOptions.isEmpty() ? "" : " ")
                .append("-jar molt-accel-demo.jar`, worker pool ").append(pool).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" CPUs\n");
        sb.append("- worker JVM options: ").append(workerJavaOpts.isBlank() ? "none given" : "`" + workerJavaOpts.trim() + "`")
                .append("\n");
        sb.append("- mix (open loop, windows of ").append(sampleSeconds).append(" s):");
        for (Stream s : MIX) {
            sb.append(" `").append(s.path).append("` ").append(fmt(rate * s.share)).append("/s -> ").append(s.status)
                    .append(";");
        }
        sb.setLength(sb.length() - 1);
        sb.append("\n- warm-up: ").append(warmupSeconds).append(" s under the same load, sampled, not judged\n\n");
        if (measured.isEmpty()) {
            return sb.append("No measured samples.\n").toString();
        }
        Sample first = measured.get(0);
        Sample last = measured.get(measured.size() - 1);
        double min = measured.stream().mapToDouble(Sample::appRssMib).min().orElse(0);
        double max = measured.stream().mapToDouble(Sample::appRssMib).max().orElse(0);
        List<Sample> secondHalf = measured.subList(measured.size() / 2, measured.size());
        long requests = measured.stream().mapToLong(Sample::requests).sum();
        long unexpected = measured.stream().mapToLong(Sample::unexpected).sum();
        Set<Long> workerPids = new LinkedHashSet<>();
        samples.forEach(s -> workerPids.addAll(s.workerPids));
        sb.append("| measure | value |\n|---|---|\n");
        sb.append(row("application RSS, first / last measured sample", "%.1f / %.1f MiB", first.appRssMib, last.appRssMib));
        sb.append(row("application RSS, min / max while measured", "%.1f / %.1f MiB (range %.1f %% of min)", min, max,
                100 * (max - min) / min));
        sb.append(row("application RSS trend, whole measured run", "%+.2f MiB/min", slopePerMinute(measured)));
        sb.append(row("application RSS trend, second half", "%+.2f MiB/min", slopePerMinute(secondHalf)));
        sb.append(row("workers RSS (sum), first / last", "%.1f / %.1f MiB", first.workersRssMib, last.workersRssMib));
        sb.append(row("application threads, first / last", "%d / %d", first.appThreads, last.appThreads));
        sb.append(row("application open fds, first / last", "%d / %d", first.appFds, last.appFds));
        sb.append(row("worker processes seen (restarts)", "%d (%d)", workerPids.size(), workerPids.size() - pool));
        sb.append(row("requests / unexpected answers", "%d / %d", requests, unexpected));
        sb.append("\n| minute | app RSS MiB | workers RSS MiB | heap used MiB | threads | fds | requests | unexpected | offload p99 ms |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        int perMinute = Math.max(1, 60 / sampleSeconds);
        for (int i = 0; i < samples.size(); i += perMinute) {
            sb.append(minuteRow(samples.get(i)));
        }
        if ((samples.size() - 1) % perMinute != 0) {
            sb.append(minuteRow(last));
        }
        return sb.toString();
    }

    private static String minuteRow(Sample s) {
        return String.format(Locale.ROOT, "| %.1f%s | %.1f | %.1f | %.1f | %d | %d | %d | %d | %.2f |%n",
                s.seconds / 60, s.warmup ? " (warm-up)" : "", s.appRssMib, s.workersRssMib, s.heapUsedMib,
                s.appThreads, s.appFds, s.requests, s.unexpected, s.offloadP99Ms);
    }

    /** Least-squares slope of the application's RSS over time, in MiB per minute. */
    static double slopePerMinute(List<Sample> samples) {
        int n = samples.size();
        if (n < 2) {
            return 0;
        }
        double mx = samples.stream().mapToDouble(s -> s.seconds / 60).average().orElse(0);
        double my = samples.stream().mapToDouble(Sample::appRssMib).average().orElse(0);
        double num = 0;
        double den = 0;
        for (Sample s : samples) {
            double dx = s.seconds / 60 - mx;
            num += dx * (s.appRssMib - my);
            den += dx * dx;
        }
        return den == 0 ? 0 : num / den;
    }

    private static String csv(List<Sample> samples) {
        StringBuilder sb = new StringBuilder(
                "seconds,warmup,app_rss_mib,workers_rss_mib,worker_pids,app_threads,app_fds,heap_used_mib,requests,unexpected,offload_p99_ms\n");
        for (Sample s : samples) {
            sb.append(String.format(Locale.ROOT, "%.1f,%b,%.1f,%.1f,%s,%d,%d,%.1f,%d,%d,%.3f%n", s.seconds, s.warmup,
                    s.appRssMib, s.workersRssMib, s.workerPids.stream().map(String::valueOf)
                            .reduce((a, b) -> a + " " + b).orElse(""),
                    s.appThreads, s.appFds, s.heapUsedMib, s.requests, s.unexpected, s.offloadP99Ms));
        }
        return sb.toString();
    }

    private static String row(String measure, String format, Object... args) {
        return "| " + measure + " | " + String.format(Locale.ROOT, format, args) + " |\n";
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "molt-soak: " + format + "%n", args);
    }
}
