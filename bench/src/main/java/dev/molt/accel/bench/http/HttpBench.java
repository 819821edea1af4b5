package dev.molt.accel.bench.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.molt.accel.worker.demo.FakeDb;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The end-to-end HTTP benchmark of the demo application ({@code bin/molt-bench}): for each scenario
 * and worker pool size it starts the demo jar as its own process, drives {@code /baseline/} and
 * {@code /offload/} with the {@link LoadGenerator} (closed loop at fixed concurrency, open loop at a
 * fixed arrival rate), samples CPU and memory of the application and its worker processes from
 * {@code /proc}, reads the worker-side queue and exec times from the application's
 * {@code /actuator/moltworker} endpoint, and writes {@code <results>/<date>-<name>.json} (one object
 * per run) and a Markdown summary beside it.
 *
 * <p>Scenarios (all on {@code ?user_id=42&limit=50}): {@code light} (no simulated database cost),
 * {@code cpu} ({@code MOLT_FAKE_DB_CPU_ITERS} calibrated on this machine so that the simulated
 * database costs about 2 ms of CPU per request) and {@code latency} ({@code MOLT_FAKE_DB_DELAY_MS=20},
 * and {@code MOLT_WORKER_THREADS=64} so that, like Tomcat's 200 threads for the baseline, the worker threads
 * are not the limit). The baseline runs
 * once per scenario (in-process, it does not depend on the pool size); the offload runs for each
 * pool size.
 */
public final class HttpBench {

    private static final String USAGE = """
            usage: molt-bench [--quick] [options]
              --quick                 smoke run, under 2 minutes: light (pool 1), cpu (pool 1), latency (pool 2)
              --scenarios LIST        light,cpu,latency (default: all)
              --pools LIST            worker pool sizes (default: quick as above, full 1,2)
              --transports LIST       how the demo reaches its workers: stdio (its child processes), unix (as
                                      many sidecar workers on Unix sockets as the pool size), tcp (the same on
                                      loopback TCP), through molt.accel.endpoints (default stdio)
              --concurrency LIST      closed-loop connections (default: quick 1,64; full 1,16,64)
              --open-fractions LIST   open-loop rates as fractions of the slower endpoint's closed-loop
                                      throughput at the highest concurrency (default: quick 0.5; full 0.5,0.8;
                                      'none' to skip)
              --rate RPS              a fixed open-loop rate instead of the fractions
              --duration SECONDS      measured seconds per run (default: quick 3, full 10)
              --warmup SECONDS        warm-up seconds before each run (default: quick 1, full 2)
              --endpoint-warmup SECONDS  longest warm-up of each endpoint after the application starts, ended
                                      early once the JIT compilers are quiet (default: quick 6 on light and
                                      3 elsewhere, full 60)
              --wait-quiet SECONDS    before each run, wait at most this long for other processes to go quiet
                                      (default: quick 0, full 120)
              --cpu-iters N           MOLT_FAKE_DB_CPU_ITERS of the cpu scenario (default: calibrated to ~2 ms)
              --latency-threads N     MOLT_WORKER_THREADS of the latency scenario (default 64: each worker can
                                      have every connection's request sleeping at once, like Tomcat's threads)
              --no-sustain            skip the latency scenario's open-loop run of the offload at the
                                      baseline's closed-loop throughput (skipped with --quick)
              --client raw|jdk        load generator HTTP client (default raw)
              --app-java-opts OPTS    JVM options of the demo application (split on white space)
              --jar PATH              the demo jar (default demo/target/molt-accel-demo.jar)
              --results DIR           where results go (default bench/results)
              --logs DIR              where the demo application's logs go (default <tmp>/molt-bench-logs)
              --name NAME             result file name after the date (default http-quick / http)
              --no-write              print the summary only
            """;

    private static final String QUERY = "?user_id=42&limit=50";

    private final Options o;
    private final ObjectMapper json = new ObjectMapper();
    private final List<Map<String, Object>> rows = new ArrayList<>();
    private long cpuIters;
    /** The workers of the run in progress when they are no children of the demo (unix, tcp), else {@code null}. */
    private Sidecars sidecars;

    private HttpBench(Options o) {
        this.o = o;
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("molt-bench: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.print(USAGE);
            return;
        }
        new HttpBench(o).run();
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        long m0 = ProcStats.machineBusyNanos();
        Thread.sleep(1000);
        double busy = (ProcStats.machineBusyNanos() - m0) / 1e9;
        if (busy > 0.15) {
            log("WARNING: other processes use %.0f %% of a CPU: latencies and throughput will be disturbed "
                    + "(other_cpu_s in the results tells which runs)", busy * 100);
        }
        cpuIters = o.cpuIters > 0 ? o.cpuIters : calibrateCpuIters(Duration.ofMillis(2));
        log("MOLT_FAKE_DB_CPU_ITERS for ~2 ms per request: %d%s", cpuIters, o.cpuIters > 0 ? " (given)" : " (calibrated)");
        for (String scenario : o.scenarios) {
            runScenario(scenario);
        }
        double minutes = (System.nanoTime() - t0) / 60e9;
        log("done in %.1f min", minutes);
        String markdown = Report.markdown(rows, header(minutes));
        System.out.println(markdown);
        if (o.write) {
            Files.createDirectories(o.results);
            String base = LocalDate.now().format(DateTimeFormatter.ISO_LOCAL_DATE) + "-" + o.name;
            Path jsonFile = o.results.resolve(base + ".json");
            Path mdFile = o.results.resolve(base + ".md");
            json.enable(SerializationFeature.INDENT_OUTPUT).writeValue(jsonFile.toFile(), rows);
            Files.writeString(mdFile, markdown, StandardCharsets.UTF_8);
            log("wrote %s and %s", jsonFile, mdFile);
        }
    }

    private void runScenario(String scenario) throws Exception {
        Map<String, String> env = scenarioEnv(scenario);
        List<Double> rates = null;
        Double baselineRps = null;
        boolean baselineDone = false;
        for (int pool : o.poolsFor(scenario)) {
          for (String transport : o.transports) {
            Map<String, String> appEnv = new LinkedHashMap<>(env);
            appEnv.put("MOLT_ACCEL_POOL_SIZE", Integer.toString(pool));
            String suffix = transport.equals("stdio") ? "" : "-" + transport;
            Path logFile = o.logs.resolve(scenario + "-pool" + pool + suffix + ".log");
            List<String> javaOptions = new ArrayList<>(o.appJavaOptions);
            if (!transport.equals("stdio")) {
                sidecars = Sidecars.start(transport, pool, env, o.logs.resolve(scenario + "-pool" + pool + suffix + "-worker.log"));
                javaOptions.add("-Dmolt.accel.endpoints=" + String.join(",", sidecars.endpoints()));
                javaOptions.add("-Dmolt.accel.spare-workers=0");
            }
            log("scenario %s, pool %d, %s: starting the demo (%s), log %s", scenario, pool, transport, appEnv, logFile);
            try (Sidecars owned = sidecars; DemoProcess app = DemoProcess.start(o.jar, appEnv, javaOptions, logFile)) {
                app.awaitReady(Duration.ofSeconds(90));
                List<String> endpoints = baselineDone ? List.of("offload") : List.of("baseline", "offload");
                for (String endpoint : endpoints) {
                    checkAnswer(app, endpoint);
                    warmUntilJitQuiet(app, scenario, endpoint);
                }
                Map<String, Double> rpsAtMax = new LinkedHashMap<>();
                List<Integer> concurrency = o.concurrencyFor(scenario);
                int maxConcurrency = concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
                for (int c : concurrency) {
                    for (String endpoint : endpoints) {
                        Map<String, Object> row = measure(app, scenario, endpoint, pool, cpuItersFor(scenario),
                                LoadGenerator.Config.closed(app.port(), path(endpoint), c, Duration.ZERO, o.duration));
                        if (c == maxConcurrency) {
                            rpsAtMax.put(endpoint, (Double) row.get("rps"));
                        }
                    }
                }
                if (rates == null) {
                    rates = openRates(rpsAtMax, o.openFractionsFor(scenario));
                }
                if (baselineRps == null) {
                    baselineRps = rpsAtMax.get("baseline");
                }
                for (double rate : rates) {
                    for (String endpoint : endpoints) {
                        measure(app, scenario, endpoint, pool, cpuItersFor(scenario), LoadGenerator.Config.open(
                                app.port(), path(endpoint), rate, Math.max(64, maxConcurrency), Duration.ZERO, o.duration));
                    }
                }
                if (scenario.equals("latency") && o.sustain && baselineRps != null) {
                    // can the offload take, open loop, the load the baseline carried at the highest concurrency?
                    double rate = Math.round(baselineRps / 10.0) * 10.0;
                    Map<String, Object> row = measure(app, scenario, "offload", pool, 0, LoadGenerator.Config.open(
                            app.port(), path("offload"), rate, 2 * Math.max(64, maxConcurrency), Duration.ZERO, o.duration));
                    row.put("note", "sustain: open loop at the baseline's closed-loop req/s at c=" + maxConcurrency);
                }
                baselineDone = true;
            } finally {
                sidecars = null;
            }
          }
        }
    }

    /**
     * Drives {@code endpoint} at 16 connections in 2-second rounds until the JIT compilers of the
     * application and its workers used less than 5 % of the round (the code is compiled), for at most
     * {@code --endpoint-warmup} seconds. On 2 cores a fresh Spring application needs 20-40 s of load
     * before its throughput settles; measuring earlier measures the compiler.
     */
    private void warmUntilJitQuiet(DemoProcess app, String scenario, String endpoint) throws InterruptedException {
        long deadline = System.nanoTime() + o.endpointWarmupFor(scenario).toNanos();
        Duration round = Duration.ofSeconds(2);
        int rounds = 0;
        long jit = 0;
        do {
            long before = compilerCpu(app);
            LoadGenerator.run(LoadGenerator.Config.closed(app.port(), path(endpoint), 16, Duration.ZERO, round)
                    .withClient(o.client));
            // compiler threads come and go (dynamic compiler threads): a negative difference means quiet
            jit = Math.max(0, compilerCpu(app) - before);
            rounds++;
        } while (jit > round.toNanos() / 20 && System.nanoTime() - deadline < 0);
        log("warmed %s for %d s; JIT in the last round: %.0f ms%s", endpoint, rounds * round.toSeconds(), jit / 1e6,
                jit > round.toNanos() / 20 ? " (still compiling: raise --endpoint-warmup)" : "");
    }

    /**
     * With {@code --wait-quiet}, waits (at most that long) until other processes use less than 15 % of
     * one CPU over 3 seconds, so that a build or test run of someone else does not land in a measurement.
     */
    private void waitForQuiet() throws InterruptedException {
        if (o.waitQuiet.isZero()) {
            return;
        }
        long deadline = System.nanoTime() + o.waitQuiet.toNanos();
        boolean announced = false;
        while (true) {
            long m0 = ProcStats.machineBusyNanos();
            Thread.sleep(3000);
            double busy = (ProcStats.machineBusyNanos() - m0) / 3e9;
            if (busy < 0.15) {
                if (announced) {
                    log("quiet again");
                }
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                log("still %.0f %% of a CPU busy elsewhere after %d s; measuring anyway (see other_cpu_s)", busy * 100,
                        o.waitQuiet.toSeconds());
                return;
            }
            if (!announced) {
                log("other processes use %.0f %% of a CPU; waiting for quiet (at most %d s)", busy * 100,
                        o.waitQuiet.toSeconds());
                announced = true;
            }
        }
    }

    private static long compilerCpu(DemoProcess app) {
        long sum = ProcStats.compilerCpuNanos(app.pid());
        for (long child : ProcStats.children(app.pid())) {
            sum += ProcStats.compilerCpuNanos(child);
        }
        return sum;
    }

    private List<Double> openRates(Map<String, Double> rpsAtMax, List<Double> fractions) {
        if (o.rate > 0) {
            return List.of(o.rate);
        }
        double slowest = rpsAtMax.values().stream().mapToDouble(Double::doubleValue).min().orElse(0);
        List<Double> out = new ArrayList<>();
        for (double f : fractions) {
            double r = Math.max(1, Math.round(slowest * f / 10.0) * 10.0);
            out.add(r);
        }
        return out;
    }

    private Map<String, Object> measure(DemoProcess app, String scenario, String endpoint, int pool, long iters,
            LoadGenerator.Config config) throws Exception {
        config = config.withClient(o.client);
        if (!o.warmup.isZero()) {
            LoadGenerator.Config warm = new LoadGenerator.Config(config.mode(), config.host(), config.port(),
                    config.path(), config.connections(), config.rate(), Duration.ZERO, o.warmup, config.timeout(),
                    config.client());
            LoadGenerator.run(warm);
        }
        waitForQuiet();
        app.delete("/actuator/moltworker");
        ProcStats.Sampler sampler = new ProcStats.Sampler(app.pid(), 100);
        long sidecarCpu = sidecarCpuNanos();
        sampler.start();
        LoadGenerator.Result r;
        try {
            r = LoadGenerator.run(config);
        } finally {
            sampler.stop();
        }
        double sidecarCpuS = (sidecarCpuNanos() - sidecarCpu) / 1e9;
        double workerCpuS = sampler.childrenCpuSeconds() + sidecarCpuS;
        JsonNode timings = json.readTree(app.get("/actuator/moltworker")).path("list_items");
        boolean offload = endpoint.equals("offload");

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("scenario", scenario);
        row.put("endpoint", endpoint);
        row.put("path", config.path());
        row.put("pool_size", offload ? pool : 0);
        row.put("transport", offload ? (sidecars == null ? "stdio" : sidecars.transport()) : null);
        row.put("mode", config.mode().id());
        row.put("concurrency", config.connections());
        row.put("rate", config.mode() == LoadGenerator.Mode.OPEN ? config.rate() : null);
        row.put("requests", r.requests());
        row.put("duration_s", r.seconds());
        row.put("rps", round(r.rps(), 1));
        row.put("p50_us", round(r.latencyUs(50), 1));
        row.put("p90_us", round(r.latencyUs(90), 1));
        row.put("p99_us", round(r.latencyUs(99), 1));
        row.put("p999_us", round(r.latencyUs(99.9), 1));
        row.put("max_us", round(r.maxUs(), 1));
        row.put("mean_us", round(r.meanUs(), 1));
        row.put("errors", r.errors());
        row.put("app_cpu_s", round(sampler.appCpuSeconds(), 3));
        row.put("worker_cpu_s", round(workerCpuS, 3));
        row.put("cpu_us_per_request", r.requests() == 0 ? null
                : round((sampler.appCpuSeconds() + workerCpuS) * 1e6 / r.requests(), 1));
        row.put("app_cpu_us_per_request", r.requests() == 0 ? null
                : round(sampler.appCpuSeconds() * 1e6 / r.requests(), 1));
        row.put("app_rss_mb", round(sampler.appRssMib(), 1));
        row.put("worker_rss_mb", round(sampler.childrenRssMib(), 1));
        row.put("workers", sampler.childCount());
        row.put("worker_calls", offload ? timings.path("count").asLong() : null);
        row.put("worker_queue_us_p50", offload ? timings.path("queue_us").path("p50").asDouble() : null);
        row.put("worker_queue_us_p99", offload ? timings.path("queue_us").path("p99").asDouble() : null);
        row.put("worker_exec_us_p50", offload ? timings.path("exec_us").path("p50").asDouble() : null);
        row.put("worker_exec_us_p99", offload ? timings.path("exec_us").path("p99").asDouble() : null);
        row.put("send_lag_us_p50", config.mode() == LoadGenerator.Mode.OPEN ? round(r.sendLag().getValueAtPercentile(50) / 1000.0, 1) : null);
        row.put("send_lag_us_p99", config.mode() == LoadGenerator.Mode.OPEN ? round(r.sendLag().getValueAtPercentile(99) / 1000.0, 1) : null);
        row.put("loadgen_cpu_s", round(r.generatorCpuNanos() / 1e9, 3));
        // CPU used by processes outside this benchmark: large values mean the run was disturbed
        double machine = sampler.machineCpuSeconds();
        row.put("other_cpu_s", machine < 0 ? null : round(Math.max(0, machine - sampler.appCpuSeconds()
                - workerCpuS - r.generatorCpuNanos() / 1e9), 2));
        row.put("load_avg", ProcStats.loadAverage());
        row.put("client", config.client().name().toLowerCase(Locale.ROOT));
        row.put("cpu_iters", iters);
        row.put("env", scenarioEnv(scenario));
        rows.add(row);
        log("%-8s %-8s pool %d %-6s %s: %8.0f req/s  p50 %7.0f us  p99 %8.0f us  max %8.0f us  errors %s  "
                + "CPU app %.2f s, worker %.2f s, loadgen %.2f s, other %s s",
                scenario, endpoint + (offload && sidecars != null ? "/" + sidecars.transport() : ""), pool, config.mode().id(),
                config.mode() == LoadGenerator.Mode.OPEN ? String.format("%.0f/s", config.rate()) : "c=" + config.connections(),
                r.rps(), r.latencyUs(50), r.latencyUs(99), r.maxUs(), r.errors(), sampler.appCpuSeconds(),
                workerCpuS, r.generatorCpuNanos() / 1e9, row.get("other_cpu_s"));
        return row;
    }

    /**
     * Fails loudly when the endpoint does not answer the list contract within 30 s: no point measuring
     * errors. The first calls may fail: a fresh worker JVM runs a CPU-heavy export interpreted, which
     * can take longer than the endpoint's 250 ms deadline.
     */
    private static void checkAnswer(DemoProcess app, String endpoint) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int failures = 0;
        while (true) {
            try {
                String body = app.get(path(endpoint));
                if (!body.startsWith("{\"items\":")) {
                    throw new IOException(endpoint + " answered an unexpected body: "
                            + body.substring(0, Math.min(200, body.length())));
                }
                if (failures > 0) {
                    log("%s answered after %d failed attempt(s) (cold worker)", endpoint, failures);
                }
                return;
            } catch (IOException e) {
                failures++;
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private long sidecarCpuNanos() {
        long sum = 0;
        if (sidecars != null) {
            for (long pid : sidecars.pids()) {
                sum += Math.max(0, ProcStats.cpuNanos(pid));
            }
        }
        return sum;
    }

    private static String path(String endpoint) {
        return "/" + endpoint + "/" + QUERY;
    }

    private long cpuItersFor(String scenario) {
        return scenario.equals("cpu") ? cpuIters : 0;
    }

    private Map<String, String> scenarioEnv(String scenario) {
        Map<String, String> env = new LinkedHashMap<>();
        switch (scenario) {
            case "light" -> { }
            case "cpu" -> env.put("MOLT_FAKE_DB_CPU_ITERS", Long.toString(cpuIters));
            case "latency" -> {
                env.put("MOLT_FAKE_DB_DELAY_MS", "20");
                env.put("MOLT_WORKER_THREADS", Integer.toString(o.latencyThreads));
            }
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        }
        return env;
    }

    /**
     * The {@code MOLT_FAKE_DB_CPU_ITERS} for which the simulated query of 50 rows costs {@code target}
     * of CPU on this machine, measured on this thread's CPU clock after a warm-up.
     */
    static long calibrateCpuIters(Duration target) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        BooleanSupplier never = () -> false;
        FakeDb probe = new FakeDb(0, 0, 2_000);
        long warmEnd = System.nanoTime() + 400_000_000L;
        while (System.nanoTime() < warmEnd) {
            probe.simulateQuery(50, never);
        }
        long bestPerIter = Long.MAX_VALUE;
        FakeDb measured = new FakeDb(0, 0, 20_000);
        for (int round = 0; round < 5; round++) {
            long cpu0 = threads.getCurrentThreadCpuTime();
            int n = 20;
            for (int i = 0; i < n; i++) {
                measured.simulateQuery(50, never);
            }
            long perQuery = (threads.getCurrentThreadCpuTime() - cpu0) / n;
            bestPerIter = Math.min(bestPerIter, perQuery * 1000 / 20_000); // picoseconds per iteration
        }
        return Math.max(1, target.toNanos() * 1000 / Math.max(1, bestPerIter));
    }

    private String header(double minutes) {
        StringBuilder sb = new StringBuilder();
        sb.append("# HTTP benchmark: /baseline/ vs /offload/ (").append(o.name).append(")\n\n");
        sb.append("- date: ").append(LocalDateTime.now().withNano(0)).append('\n');
        String invoked = System.getenv("MOLT_BENCH_INVOCATION");
        sb.append("- command: `").append(invoked != null ? invoked : "HttpBench " + String.join(" ", o.args)).append("`\n");
        sb.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
                .append(cpuModel()).append(", Java ").append(System.getProperty("java.version")).append('\n');
        sb.append("- requests: `GET /baseline/").append(QUERY).append("` and `GET /offload/").append(QUERY)
                .append("`; load generator: ").append(o.client.name().toLowerCase(Locale.ROOT))
                .append(" HTTP/1.1 keep-alive client, one thread per connection, in its own JVM on the same machine\n");
        sb.append("- each run: ").append(o.warmup.toSeconds()).append(" s warm-up, ").append(o.duration.toSeconds())
                .append(" s measured; after the application started, each endpoint warmed at 16 connections until the "
                        + "JIT compilers were quiet (at most ").append(o.endpointWarmupFor("light").toSeconds()).append(" s)\n");
        sb.append("- scenarios: light = no simulated DB cost; cpu = MOLT_FAKE_DB_CPU_ITERS=").append(cpuIters)
                .append(" (~2 ms CPU per request, calibrated); latency = MOLT_FAKE_DB_DELAY_MS=20, MOLT_WORKER_THREADS=")
                .append(o.latencyThreads).append('\n');
        sb.append(String.format(Locale.ROOT, "- total time: %.1f min%n", minutes));
        return sb.toString();
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "unknown CPU";
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    private static void log(String format, Object... args) {
        System.err.println("molt-bench: " + String.format(Locale.ROOT, format, args));
    }

    /** Command-line options. */
    static final class Options {
        String[] args = new String[0];
        boolean help;
        boolean quick;
        List<String> scenarios = List.of("light", "cpu", "latency");
        List<Integer> pools;
        List<String> transports = List.of("stdio");
        List<Integer> concurrency;
        List<Double> openFractions;
        double rate;
        Duration duration;
        Duration warmup;
        Duration endpointWarmup;
        Duration waitQuiet;
        long cpuIters;
        int latencyThreads = 64;
        Boolean sustain;
        LoadGenerator.Client client = LoadGenerator.Client.RAW;
        List<String> appJavaOptions = List.of();
        Path jar = Path.of("demo/target/molt-accel-demo.jar");
        Path results = Path.of("bench/results");
        Path logs = Path.of(System.getProperty("java.io.tmpdir"), "molt-bench-logs");
        String name;
        boolean write = true;

        static Options parse(String[] args) {
            Options o = new Options();
            o.args = args.clone();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> o.help = true;
                    case "--quick" -> o.quick = true;
                    case "--no-write" -> o.write = false;
                    case "--no-sustain" -> o.sustain = false;
                    case "--scenarios" -> o.scenarios = List.of(value(args, ++i, a).split(","));
                    case "--pools" -> o.pools = ints(value(args, ++i, a), a);
                    case "--transports" -> {
                        o.transports = List.of(value(args, ++i, a).split(","));
                        for (String t : o.transports) {
                            if (!List.of("stdio", "unix", "tcp").contains(t)) {
                                throw new IllegalArgumentException("--transports: stdio, unix or tcp, not '" + t + "'");
                            }
                        }
                    }
                    case "--concurrency" -> o.concurrency = ints(value(args, ++i, a), a);
                    case "--open-fractions" -> {
                        String v = value(args, ++i, a);
                        o.openFractions = v.equals("none") ? List.of()
                                : Arrays.stream(v.split(",")).map(s -> number(s, a)).toList();
                    }
                    case "--rate" -> o.rate = number(value(args, ++i, a), a);
                    case "--duration" -> o.duration = seconds(value(args, ++i, a), a, false);
                    case "--warmup" -> o.warmup = seconds(value(args, ++i, a), a, true);
                    case "--endpoint-warmup" -> o.endpointWarmup = seconds(value(args, ++i, a), a, true);
                    case "--wait-quiet" -> o.waitQuiet = seconds(value(args, ++i, a), a, true);
                    case "--cpu-iters" -> o.cpuIters = (long) number(value(args, ++i, a), a);
                    case "--latency-threads" -> o.latencyThreads = (int) number(value(args, ++i, a), a);
                    case "--client" -> o.client = LoadGenerator.Client.valueOf(value(args, ++i, a).toUpperCase(Locale.ROOT));
                    case "--app-java-opts" -> o.appJavaOptions = List.of(value(args, ++i, a).trim().split("\\s+"));
                    case "--jar" -> o.jar = Path.of(value(args, ++i, a));
                    case "--results" -> o.results = Path.of(value(args, ++i, a));
                    case "--logs" -> o.logs = Path.of(value(args, ++i, a));
                    case "--name" -> o.name = value(args, ++i, a);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            for (String s : o.scenarios) {
                if (!List.of("light", "cpu", "latency").contains(s)) {
                    throw new IllegalArgumentException("unknown scenario " + s + " (light, cpu, latency)");
                }
            }
            if (o.duration == null) {
                o.duration = Duration.ofSeconds(o.quick ? 3 : 10);
            }
            if (o.warmup == null) {
                o.warmup = Duration.ofSeconds(o.quick ? 1 : 2);
            }
            if (o.waitQuiet == null) {
                o.waitQuiet = Duration.ofSeconds(o.quick ? 0 : 120);
            }
            if (o.sustain == null) {
                o.sustain = !o.quick;
            }
            if (o.name == null) {
                o.name = o.quick ? "http-quick" : "http";
            }
            if (o.latencyThreads < 1) {
                throw new IllegalArgumentException("--latency-threads must be >= 1");
            }
            return o;
        }

        /** Pool sizes of a scenario: quick runs one per scenario (pool 2 where the target needs it). */
        List<Integer> poolsFor(String scenario) {
            if (pools != null) {
                return pools;
            }
            if (quick) {
                return List.of(scenario.equals("latency") ? 2 : 1);
            }
            return List.of(1, 2);
        }

        /** The longest warm-up of an endpoint: quick 6 s on light and 3 s elsewhere, full 60 s. */
        Duration endpointWarmupFor(String scenario) {
            if (endpointWarmup != null) {
                return endpointWarmup;
            }
            if (quick) {
                return Duration.ofSeconds(scenario.equals("light") ? 6 : 3);
            }
            return Duration.ofSeconds(60);
        }

        /** Closed-loop concurrencies of a scenario: quick measures 1 and 64 on light, 64 elsewhere. */
        List<Integer> concurrencyFor(String scenario) {
            if (concurrency != null) {
                return concurrency;
            }
            if (quick) {
                return scenario.equals("light") ? List.of(1, 64) : List.of(64);
            }
            return List.of(1, 16, 64);
        }

        /** Open-loop rate fractions of a scenario: quick measures the open loop on light only. */
        List<Double> openFractionsFor(String scenario) {
            if (openFractions != null) {
                return openFractions;
            }
            if (quick) {
                return scenario.equals("light") ? List.of(0.5) : List.of();
            }
            return List.of(0.5, 0.8);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static List<Integer> ints(String v, String option) {
            return Arrays.stream(v.split(",")).map(s -> (int) number(s, option)).toList();
        }

        private static double number(String v, String option) {
            try {
                double d = Double.parseDouble(v.trim());
                if (!(d > 0)) {
                    throw new IllegalArgumentException(option + " must be positive, got " + v);
                }
                return d;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a number, got " + v);
            }
        }

        private static Duration seconds(String v, String option, boolean zeroAllowed) {
            if (zeroAllowed && v.trim().equals("0")) {
                return Duration.ZERO;
            }
            double s = number(v, option);
            return Duration.ofMillis((long) (s * 1000));
        }
    }
}
