package dev.molt.accel.bench;

import static dev.molt.accel.bench.ProtocolBench.us;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.molt.accel.protocol.Wire;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Everything one run of {@link ProtocolBench} measured, and its JSON and Markdown forms. Not thread-safe. */
final class ProtocolReport {

    static final String FLOOR = "floor";
    static final String PING = "__ping__";
    static final String PING_DIRECT = "__ping__ (no client)";
    static final String PING_SPIN = "__ping__ (callAsync + spin)";
    static final String PING_NO_TIMEOUT = "__ping__ (timeout_ms 0)";
    static final String COMPUTE = "compute";
    static final String COMPUTE_CODEC = "compute + codec";

    record Sequential(Wire wire, String name, Samples samples) {
    }

    record Throughput(int workers, int concurrency, String driver, double callsPerSecond, List<Double> rounds,
            long p50, long p99, long calls, Map<String, Long> errors) {

        String roundsText() {
            return rounds.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).collect(Collectors.joining(" / "));
        }
    }

    final ProtocolBench.Settings settings;
    final String startedAt = OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Samples floor;
    int floorFrameBytes;
    final List<Sequential> sequential = new ArrayList<>();
    final List<Throughput> throughput = new ArrayList<>();
    double elapsedSeconds;
    double foreignSequential = Double.NaN;
    double foreignThroughput = Double.NaN;

    ProtocolReport(ProtocolBench.Settings settings) {
        this.settings = settings;
    }

    static String describe(String name) {
        return switch (name) {
            case PING -> "`__ping__`";
            case PING_DIRECT -> "`__ping__` frame written and read by the bench thread, no client";
            case PING_SPIN -> "`__ping__` via callAsync, caller spins up to 50 us before blocking";
            case PING_NO_TIMEOUT -> "`__ping__` with timeout_ms 0 (no client timer)";
            case COMPUTE -> "`compute`, 3 values, pre-encoded payload";
            case COMPUTE_CODEC -> "`compute` + payload encode + result decode";
            default -> name;
        };
    }

    String workerDescription() {
        return settings.workerCmd() == null ? "bundled Java worker" : String.join(" ", settings.workerCmd());
    }

    Sequential sequential(Wire wire, String name) {
        return sequential.stream().filter(s -> s.wire == wire && s.name.equals(name)).findFirst().orElseThrow();
    }

    double pingOverFloor(Wire wire) {
        return (double) sequential(wire, PING).samples.median() / floor.median();
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("benchmark", "protocol");
        m.put("started_at", startedAt);
        m.put("mode", settings.quick() ? "quick" : "full");
        m.put("command", settings.commandLine());
        m.put("elapsed_s", round(elapsedSeconds, 1));
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        // the launcher's results directory is a local path, not a setting of the run
        machine.put("driver_jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-Dmolt.bench.results=")).toList());
        machine.put("other_processes_cpu_percent_sequential", Double.isNaN(foreignSequential) ? null
                : round(foreignSequential, 1));
        machine.put("other_processes_cpu_percent_throughput", Double.isNaN(foreignThroughput) ? null
                : round(foreignThroughput, 1));
        m.put("machine", machine);
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("worker", settings.workerCmd() == null ? "bundled Java worker (" + ProtocolBench.WORKER_MAIN
                + ", -Xlog:all=warning:stderr -Xshare:auto)" : String.join(" ", settings.workerCmd()));
        setup.put("floor", "EchoFloor child JVM (same flags), one driver thread: write frame, flush, read echo");
        setup.put("call_timeout_ms", ProtocolBench.CALL_TIMEOUT_MS);
        setup.put("compute_payload", "{\"values\":[1.0,2.0,3.0],\"scale\":2.0,\"offset\":0.5} as msgpack");
        setup.put("sequential_samples_per_case", floor.count());
        setup.put("sequential_rounds", settings.seqRounds());
        setup.put("throughput_rounds", settings.rounds());
        setup.put("throughput_measure_s_per_round", settings.measure().toMillis() / 1000.0);
        setup.put("throughput_drivers", settings.drivers());
        setup.put("result_decoder", "MoltResult.value()");
        m.put("setup", setup);

        Map<String, Object> floorJson = new LinkedHashMap<>();
        floorJson.put("frame_bytes", floorFrameBytes);
        floorJson.put("median_us", us2(floor.median()));
        floorJson.put("p99_us", us2(floor.percentile(99)));
        floorJson.put("mean_us", round(floor.meanNanos() / 1e3, 2));
        m.put("floor", floorJson);

        List<Map<String, Object>> seq = new ArrayList<>();
        for (Sequential s : sequential) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("wire", s.wire.id());
            row.put("call", s.name);
            row.put("median_us", us2(s.samples.median()));
            row.put("p99_us", us2(s.samples.percentile(99)));
            row.put("mean_us", round(s.samples.meanNanos() / 1e3, 2));
            row.put("median_over_floor", round((double) s.samples.median() / floor.median(), 2));
            seq.add(row);
        }
        m.put("sequential", seq);

        List<Map<String, Object>> tp = new ArrayList<>();
        for (Throughput t : throughput) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("entry", "compute");
            row.put("wire", "msgpack");
            row.put("workers", t.workers);
            row.put("concurrency", t.concurrency);
            row.put("driver", t.driver);
            row.put("calls_per_s", Math.round(t.callsPerSecond));
            row.put("rounds_calls_per_s", t.rounds.stream().map(Math::round).toList());
            row.put("p50_us", us2(t.p50));
            row.put("p99_us", us2(t.p99));
            row.put("calls", t.calls);
            row.put("errors", t.errors);
            tp.add(row);
        }
        m.put("throughput", tp);

        Map<String, Object> targets = new LinkedHashMap<>();
        double ratio = pingOverFloor(Wire.MSGPACK);
        targets.put("ping_median_over_floor_msgpack", target(round(ratio, 2), "<= " + ProtocolBench.PING_OVER_FLOOR_TARGET,
                ratio <= ProtocolBench.PING_OVER_FLOOR_TARGET, foreignSequential));
        for (int workers : settings.poolSizes()) {
            for (Throughput t : throughput) {
                if (t.workers == workers && t.concurrency == 64) {
                    targets.put("compute_calls_per_s_at_64_" + workers + "_worker" + (workers == 1 ? "" : "s") + "_"
                                    + t.driver, target(Math.round(t.callsPerSecond),
                            ">= " + (long) ProtocolBench.CALLS_PER_SECOND_TARGET,
                            t.callsPerSecond >= ProtocolBench.CALLS_PER_SECOND_TARGET, foreignThroughput));
                }
            }
        }
        m.put("targets", targets);
        return m;
    }

    /** Above this share of the machine taken by other processes, a phase's numbers are not a fair verdict. */
    static final double NOISY_PERCENT = 10;

    private static Map<String, Object> target(Object value, String target, boolean met, double foreign) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("value", value);
        m.put("target", target);
        m.put("met", met);
        m.put("reliable", !(foreign > NOISY_PERCENT));
        return m;
    }

    private static String verdict(boolean met, double foreign) {
        String v = met ? "met" : "**missed**";
        return foreign > NOISY_PERCENT
                ? v + String.format(Locale.ROOT, " (unreliable: other processes used %.0f%% of the CPU)", foreign)
                : v;
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Protocol benchmark, ").append(startedAt, 0, 10).append("\n\n");
        b.append(String.format(Locale.ROOT, "%s run on %d CPUs, %s %s, %s; worker: %s. Command: `%s`. Took %.0f s.%n%n",
                settings.quick() ? "Quick" : "Full", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"), workerDescription(),
                settings.commandLine(), elapsedSeconds));
        if (!Double.isNaN(foreignSequential)) {
            b.append(String.format(Locale.ROOT, "Other processes used %.1f%% of the machine's CPU during the sequential "
                    + "phase and %.1f%% during the throughput phase (a quiet machine shows about 1%%; more means "
                    + "the numbers below are noisier and lower than the machine can do).%n%n",
                    foreignSequential, foreignThroughput));
        }
        b.append(String.format(Locale.ROOT, "## Sequential round trip (one call in flight)%n%n"
                + "%d samples per row, taken in %d interleaved rounds. Floor: the exact bytes of an encoded "
                + "`__ping__` request frame echoed by a child JVM that decodes nothing (`EchoFloor`), driven by "
                + "one thread (write, flush, read). Calls go through `MoltClient.call` with a %d ms timeout.%n%n",
                floor.count(), settings.seqRounds(), ProtocolBench.CALL_TIMEOUT_MS));
        b.append("| wire | call | median | p99 | median / floor |\n|---|---|---:|---:|---:|\n");
        b.append(String.format(Locale.ROOT, "| - | floor: echo child, %d-byte frame | %s | %s | 1.00 |%n",
                floorFrameBytes, us(floor.median()), us(floor.percentile(99))));
        for (Sequential s : sequential) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f |%n", s.wire.id(), describe(s.name),
                    us(s.samples.median()), us(s.samples.percentile(99)), (double) s.samples.median() / floor.median()));
        }
        b.append(String.format(Locale.ROOT, "%n## Throughput: `compute` (3 values, msgpack wire), closed loop%n%n"
                        + "Median of %d round(s) of %.1f s; `threads`: one thread per unit of concurrency calling "
                        + "`call()`; `async`: one driver thread per CPU keeping its share in flight with "
                        + "`callAsync()`. Latency percentiles over all rounds.%n%n", settings.rounds(),
                settings.measure().toMillis() / 1000.0));
        b.append("| workers | concurrency | driver | calls/s | rounds | p50 | p99 | errors |\n"
                + "|---:|---:|---|---:|---|---:|---:|---|\n");
        for (Throughput t : throughput) {
            b.append(String.format(Locale.ROOT, "| %d | %d | %s | %,.0f | %s | %s | %s | %s |%n", t.workers, t.concurrency,
                    t.driver, t.callsPerSecond, t.roundsText(), us(t.p50), us(t.p99),
                    t.errors.isEmpty() ? "0" : t.errors.toString()));
        }
        b.append("\n## Targets\n\n");
        double ratio = pingOverFloor(Wire.MSGPACK);
        b.append(String.format(Locale.ROOT, "- sequential `__ping__` median / floor median (msgpack): **%.2f** "
                        + "(target <= %.1f): %s%n", ratio, ProtocolBench.PING_OVER_FLOOR_TARGET,
                verdict(ratio <= ProtocolBench.PING_OVER_FLOOR_TARGET, foreignSequential)));
        for (int workers : settings.poolSizes()) {
            for (Throughput t : throughput) {
                if (t.workers == workers && t.concurrency == 64) {
                    b.append(String.format(Locale.ROOT, "- `compute` calls/s at concurrency 64, %d worker%s, %s driver: "
                                    + "**%,.0f** (target >= %,.0f): %s%n", workers, workers == 1 ? "" : "s", t.driver,
                            t.callsPerSecond, ProtocolBench.CALLS_PER_SECOND_TARGET,
                            verdict(t.callsPerSecond >= ProtocolBench.CALLS_PER_SECOND_TARGET, foreignThroughput)));
                }
            }
        }
        return b.toString();
    }

    /** Writes {@code <date><suffix>.json} and {@code .md} into {@code dir}. */
    Path[] write(Path dir, String suffix) throws IOException {
        Files.createDirectories(dir);
        String base = LocalDate.now() + suffix;
        Path json = dir.resolve(base + ".json");
        Path md = dir.resolve(base + ".md");
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(json, mapper.writeValueAsString(json()) + "\n", StandardCharsets.UTF_8);
        Files.writeString(md, markdown(), StandardCharsets.UTF_8);
        return new Path[] {json, md};
    }

    private static double us2(long nanos) {
        return round(nanos / 1e3, 2);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
