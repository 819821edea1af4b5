package dev.molt.accel.bench.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The peer comparison: our demo's {@code /baseline/} and {@code /offload/} and any other HTTP servers
 * given by URL (another framework's implementation of the demo contract, a static file server), all
 * driven on this machine in one run by the same load generator with the same warm-up policy. With
 * {@code --nginx} it starts nginx itself, serving the demo's own {@code /baseline/} answer as a static
 * file: the ceiling of "relay these bytes over HTTP" on this machine.
 *
 * <p>Warm-up policy: every target gets {@code --warmup} seconds of load at the highest concurrency
 * before its first measured run (default 40 s: the JIT of a Spring application keeps compiling for
 * 20-30 s under load, and a 15 s warm-up measured a third of the warm figure), then 2 s before each
 * run. Targets are measured one after the other, round by round, so a slow drift of the machine
 * spreads over all of them.
 */
public final class PeerBench {

    private static final String QUERY = "?user_id=42&limit=50";
    private static final String USAGE = """
            usage: molt-bench-peers [options]
              --peer NAME=URL         another server to measure (repeatable), such as
                                      django=http://127.0.0.1:8000/offload/?user_id=42&limit=50
              --nginx [PATH]          start nginx (default: the one on PATH) serving the demo's /baseline/
                                      answer as a static file, and measure it
              --no-demo               do not start the demo application
              --jar PATH              the demo jar (default demo/target/molt-accel-demo.jar)
              --app-java-opts OPTS    JVM options of the demo application (split on white space)
              --concurrency LIST      closed-loop connections (default 16,64)
              --warmup SECONDS        first warm-up of each target (default 40)
              --duration SECONDS      measured seconds per run (default 20)
              --rounds N              measure every target N times, interleaved (default 1)
              --results DIR           where results go (default bench/results)
              --name NAME             result file name after the date (default peers)
              --no-write              print the table only
            """;

    private final ObjectMapper json = new ObjectMapper();
    private final List<Map<String, Object>> rows = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("molt-bench-peers: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.print(USAGE);
            return;
        }
        new PeerBench().run(o);
    }

    /** One server to measure; {@code pid} is 0 when its CPU is not ours to read. */
    private record Target(String name, int port, String path, long pid) {
    }

    private void run(Options o) throws Exception {
        List<Target> targets = new ArrayList<>();
        DemoProcess demo = null;
        Process nginx = null;
        Path nginxDir = null;
        try {
            if (o.demo) {
                Path log = Files.createTempFile("molt-bench-peers-demo", ".log");
                demo = DemoProcess.start(o.jar, Map.of("MOLT_ACCEL_POOL_SIZE", "1"), o.appJavaOpts, log);
                demo.awaitReady(Duration.ofSeconds(120));
                targets.add(new Target("molt-accel /baseline/", demo.port(), "/baseline/" + QUERY, demo.pid()));
                targets.add(new Target("molt-accel /offload/ (pool 1)", demo.port(), "/offload/" + QUERY, demo.pid()));
            }
            if (o.nginx != null) {
                if (demo == null) {
                    throw new IllegalArgumentException("--nginx serves the demo's answer: it needs the demo");
                }
                nginxDir = Files.createTempDirectory("molt-bench-peers-nginx");
                int port = DemoProcess.freePort();
                nginx = startNginx(o.nginx, nginxDir, port, demo.get("/baseline/" + QUERY));
                // its CPU is in its worker processes, which this run does not sample: not reported
                targets.add(new Target("nginx, the same body as a static file", port, "/body.json", 0));
            }
            for (Map.Entry<String, URI> p : o.peers.entrySet()) {
                URI u = p.getValue();
                String path = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
                        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
                targets.add(new Target(p.getKey(), u.getPort() > 0 ? u.getPort() : 80, path, 0));
            }
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("nothing to measure");
            }
            int top = o.concurrency.get(o.concurrency.size() - 1);
            for (Target t : targets) {
                log("warming %s for %d s at c=%d", t.name(), o.warmup.toSeconds(), top);
                LoadGenerator.run(LoadGenerator.Config.closed(t.port(), t.path(), top, Duration.ZERO, o.warmup));
            }
            for (int round = 1; round <= o.rounds; round++) {
                for (int c : o.concurrency) {
                    for (Target t : targets) {
                        measure(t, c, round, o.duration);
                    }
                }
            }
        } finally {
            if (nginx != null) {
                nginx.destroy();
                if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                    nginx.destroyForcibly();
                }
            }
            if (demo != null) {
                demo.close();
            }
            if (nginxDir != null) {
                deleteTree(nginxDir);
            }
        }
        String md = markdown(o);
        System.out.println(md);
        if (o.write) {
            Files.createDirectories(o.results);
            String base = LocalDate.now().format(DateTimeFormatter.ISO_LOCAL_DATE) + "-" + o.name;
            json.enable(SerializationFeature.INDENT_OUTPUT).writeValue(o.results.resolve(base + ".json").toFile(), rows);
            Files.writeString(o.results.resolve(base + ".md"), md, StandardCharsets.UTF_8);
            log("wrote %s.json and .md in %s", base, o.results);
        }
    }

    private void measure(Target t, int connections, int round, Duration duration) throws Exception {
        ProcStats.Sampler sampler = t.pid() > 0 ? new ProcStats.Sampler(t.pid(), 100) : null;
        LoadGenerator.Config config = LoadGenerator.Config.closed(t.port(), t.path(), connections,
                Duration.ofSeconds(2), duration);
        if (sampler != null) {
            sampler.start();
        }
        LoadGenerator.Result r;
        try {
            r = LoadGenerator.run(config);
        } finally {
            if (sampler != null) {
                sampler.stop();
            }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("target", t.name());
        row.put("path", t.path());
        row.put("round", round);
        row.put("concurrency", connections);
        row.put("requests", r.requests());
        row.put("rps", Math.round(r.rps()));
        row.put("p50_us", Math.round(r.latencyUs(50)));
        row.put("p99_us", Math.round(r.latencyUs(99)));
        row.put("errors", r.errors());
        // the sampler starts before the load generator's 2 s warm-up: scale its CPU to the measured share
        double share = duration.toNanos() / (double) (duration.toNanos() + Duration.ofSeconds(2).toNanos());
        row.put("server_cpu_us_per_request", sampler == null || r.requests() == 0 ? null
                : Math.round(sampler.appCpuSeconds() * share * 1e6 / r.requests()));
        row.put("load_avg", ProcStats.loadAverage());
        rows.add(row);
        log("%-40s c=%-3d %8.0f req/s  p50 %6.0f us  p99 %7.0f us  errors %s", t.name(), connections, r.rps(),
                r.latencyUs(50), r.latencyUs(99), r.errors());
    }

    private String markdown(Options o) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Peer comparison (").append(LocalDate.now()).append(")\n\n");
        sb.append(String.format(Locale.ROOT, "- one load generator (`LoadGenerator`, raw HTTP/1.1 keep-alive, closed "
                + "loop), %d s first warm-up per target at the highest concurrency, 2 s before each run, %d s measured, "
                + "%d round(s); %d CPUs, OpenJDK %s%n", o.warmup.toSeconds(), o.duration.toSeconds(), o.rounds,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        sb.append("- server CPU/req: the server process's own CPU (not its workers'), where it is a process this run "
                + "started\n\n");
        sb.append("| target | load | req/s | x nginx | p50 us | p99 us | server CPU/req us | errors |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---|\n");
        for (Map<String, Object> r : rows) {
            Double ceiling = rows.stream().filter(x -> ((String) x.get("target")).startsWith("nginx")
                    && x.get("concurrency").equals(r.get("concurrency")) && x.get("round").equals(r.get("round")))
                    .map(x -> ((Number) x.get("rps")).doubleValue()).findFirst().orElse(null);
            sb.append("| ").append(r.get("target"))
                    .append(" | c=").append(r.get("concurrency")).append(o.rounds > 1 ? ", round " + r.get("round") : "")
                    .append(" | ").append(r.get("rps"))
                    .append(" | ").append(ceiling == null ? "-" : String.format(Locale.ROOT, "%.2f",
                            ((Number) r.get("rps")).doubleValue() / ceiling))
                    .append(" | ").append(r.get("p50_us"))
                    .append(" | ").append(r.get("p99_us"))
                    .append(" | ").append(r.get("server_cpu_us_per_request") == null ? "-" : r.get("server_cpu_us_per_request"))
                    .append(" | ").append(r.get("errors").toString().replace("{", "").replace("}", ""))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /** nginx in the foreground, one worker process per CPU, serving {@code body} at {@code /body.json}. */
    private static Process startNginx(String binary, Path dir, int port, String body) throws Exception {
        Files.createDirectories(dir.resolve("html"));
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(dir.resolve("html/body.json"), body, StandardCharsets.UTF_8);
        // nginx started by root serves from unprivileged worker processes: they must be able to read it
        var open = java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");
        Files.setPosixFilePermissions(dir, open);
        Files.setPosixFilePermissions(dir.resolve("html"), open);
        Files.setPosixFilePermissions(dir.resolve("html/body.json"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        String conf = """
                worker_processes auto;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/logs/error.log warn;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/tmp-body;
                    proxy_temp_path %1$s/tmp-proxy;
                    fastcgi_temp_path %1$s/tmp-fcgi;
                    uwsgi_temp_path %1$s/tmp-uwsgi;
                    scgi_temp_path %1$s/tmp-scgi;
                    keepalive_requests 1000000;
                    types { application/json json; }
                    server {
                        listen 127.0.0.1:%2$d;
                        root %1$s/html;
                    }
                }
                """.formatted(dir.toAbsolutePath(), port);
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf, StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder(binary, "-p", dir.toAbsolutePath().toString(), "-c",
                confFile.toAbsolutePath().toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("logs/stdout.log").toFile());
        Process p = pb.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() - deadline < 0) {
            if (!p.isAlive()) {
                throw new IOException("nginx exited with " + p.exitValue() + ": "
                        + Files.readString(dir.resolve("logs/stdout.log")));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/body.json")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().equals(body)) {
                    return p;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100); // polling a process we started, not synchronizing threads
        }
        p.destroyForcibly();
        throw new IOException("nginx did not serve the body within 30 s");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, "molt-bench-peers: " + format + "%n", args);
    }

    private static final class Options {
        boolean help;
        boolean demo = true;
        boolean write = true;
        String nginx;
        Path jar = Path.of("demo/target/molt-accel-demo.jar");
        Path results = Path.of("bench/results");
        String name = "peers";
        List<String> appJavaOpts = List.of();
        List<Integer> concurrency = List.of(16, 64);
        Duration warmup = Duration.ofSeconds(40);
        Duration duration = Duration.ofSeconds(20);
        int rounds = 1;
        final Map<String, URI> peers = new LinkedHashMap<>();

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> o.help = true;
                    case "--no-demo" -> o.demo = false;
                    case "--no-write" -> o.write = false;
                    case "--nginx" -> o.nginx = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "nginx";
                    case "--jar" -> o.jar = Path.of(value(args, ++i, a));
                    case "--results" -> o.results = Path.of(value(args, ++i, a));
                    case "--name" -> o.name = value(args, ++i, a);
                    case "--app-java-opts" -> o.appJavaOpts = List.of(value(args, ++i, a).trim().split("\\s+"));
                    case "--concurrency" -> o.concurrency = parseInts(value(args, ++i, a));
                    case "--warmup" -> o.warmup = Duration.ofSeconds(Long.parseLong(value(args, ++i, a)));
                    case "--duration" -> o.duration = Duration.ofSeconds(Long.parseLong(value(args, ++i, a)));
                    case "--rounds" -> o.rounds = Integer.parseInt(value(args, ++i, a));
                    case "--peer" -> {
                        String v = value(args, ++i, a);
                        int eq = v.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--peer takes NAME=URL, got " + v);
                        }
                        URI u = URI.create(v.substring(eq + 1));
                        if (!"http".equals(u.getScheme())
                                || !("127.0.0.1".equals(u.getHost()) || "localhost".equals(u.getHost()))) {
                            throw new IllegalArgumentException("--peer URL must be http://127.0.0.1:PORT/...: " + v);
                        }
                        o.peers.put(v.substring(0, eq), u);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.duration.isZero() || o.duration.isNegative() || o.warmup.isNegative() || o.rounds < 1) {
                throw new IllegalArgumentException("--duration > 0, --warmup >= 0 and --rounds >= 1 required");
            }
            return o;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static List<Integer> parseInts(String list) {
            List<Integer> out = new ArrayList<>();
            for (String s : list.split(",")) {
                out.add(Integer.parseInt(s.trim()));
            }
            out.sort(Integer::compare);
            return out;
        }
    }
}
