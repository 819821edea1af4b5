package dev.molt.accel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs the {@code molt-accel} command line in-process against the bundled Java worker (a real
 * child process per command), with stdout and stderr captured.
 */
@Timeout(120)
class MoltAccelCliTest {

    /** No MOLT_WORKER_CMD and no PATH: the client falls back to the bundled worker on the class path. */
    private static final Map<String, String> BUNDLED = Map.of();

    record Result(int exitCode, String out, String err) {
    }

    static Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = MoltAccelCli.commandLine(env);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static Result run(String... args) {
        return run(BUNDLED, args);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> jsonObject(String text) {
        return (Map<String, Object>) Payloads.decode(Codec.JSON, text.strip().getBytes(StandardCharsets.UTF_8));
    }

    @AfterAll
    static void noWorkerOutlivesItsCommand() {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(ProcessHandle.current().descendants().toList()).isEmpty());
    }

    @Test
    void pingStartsTheWorkerAndPrintsTheRoundTrip() {
        Result r = run("ping", "--count", "3");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("worker ready in").contains("pong 1:").contains("pong 3:")
                .containsPattern("round trip: min [0-9.]+ ms, median [0-9.]+ ms");
    }

    @Test
    void callComputePrintsTheDecodedResultAsJson() {
        Result r = run("call", "--entry", "compute", "--codec", "msgpack", "--json", "{\"values\":[1,2,3],\"scale\":2}");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("{\"count\":3");
        Map<String, Object> result = jsonObject(r.out());
        assertThat(((Number) result.get("sum")).doubleValue()).isEqualTo(12.0);
        assertThat((List<?>) result.get("scaled")).extracting(v -> ((Number) v).doubleValue())
                .containsExactly(2.0, 4.0, 6.0);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void callWorksOnTheJsonWireToo() {
        Result r = run("--wire", "json", "call", "--entry", "compute", "--json", "{\"values\":[1.5],\"offset\":1}");

        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<String, Object> result = jsonObject(r.out());
        assertThat(result).containsEntry("count", 1);
        assertThat((List<?>) result.get("scaled")).extracting(v -> ((Number) v).doubleValue()).containsExactly(2.5);
    }

    @Test
    void jsonResultsPassThroughAndCanBeWrittenToAFile(@TempDir Path dir) throws Exception {
        Result r = run("call", "--entry", "offload_table", "--codec", "json", "--json", "{\"rows\":3}");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(jsonObject(r.out())).containsEntry("rows", 3);

        Path file = dir.resolve("health.json");
        Result toFile = run("call", "--entry", "health", "--codec", "json", "--output", file.toString());
        assertThat(toFile.exitCode()).as(toFile.err()).isZero();
        assertThat(toFile.out()).isEmpty();
        assertThat(jsonObject(Files.readString(file))).containsEntry("ok", true);
    }

    @Test
    void unknownEntryExitsWithTheInvalidInputCodeOnStderr() {
        Result r = run("call", "--entry", "no_such_export", "--json", "{}");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).startsWith("MoltInvalidInput: ").contains("no_such_export");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void codecThatDoesNotMatchTheExportIsInvalidInput() {
        Result r = run("call", "--entry", "compute", "--codec", "json", "--json", "{\"values\":[1]}");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).startsWith("MoltInvalidInput: ");
    }

    @Test
    void invalidJsonExitsTwoWithoutAStackTraceAndWithoutStartingAWorker() {
        Result r = run("call", "--entry", "compute", "--json", "{\"values\": [1, 2,");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("molt-accel: Invalid JSON in --json: ").doesNotContain("\tat ")
                .contains("--help");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void unknownCodecAndWireAreUsageErrors() {
        Result codec = run("call", "--entry", "compute", "--codec", "protobuf", "--json", "{}");
        assertThat(codec.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(codec.err()).contains("Unknown codec 'protobuf'").contains("msgpack, json, raw or arrow_ipc")
                .doesNotContain("\tat ");

        Result wire = run("--wire", "xml", "ping");
        assertThat(wire.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(wire.err()).contains("Unknown wire 'xml'");
    }

    @Test
    void jsonPayloadWithAnOpaqueCodecIsAUsageError() {
        Result r = run("call", "--entry", "compute", "--codec", "raw", "--json", "{}");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("use --input");
    }

    @Test
    void missingWorkerExecutableIsWorkerUnavailable() {
        Result r = run("--worker-cmd", "/nonexistent/molt-worker --stdio", "call", "--entry", "compute",
                "--json", "{\"values\":[1]}");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.WORKER_UNAVAILABLE);
        assertThat(r.err()).startsWith("MoltWorkerUnavailable: ").doesNotContain("\tat ");
    }

    @Test
    void workerCommandFromTheEnvironmentIsUsed() {
        Result r = run(Map.of("MOLT_WORKER_CMD", "/nonexistent/from-env"), "ping");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.WORKER_UNAVAILABLE);
        assertThat(r.err()).contains("/nonexistent/from-env");
    }

    @Test
    void invalidEnvironmentIsAUsageError() {
        Result r = run(Map.of("MOLT_WORKER_WIRE", "yaml"), "ping");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("MOLT_WORKER_WIRE");
    }

    @Test
    void loadReportsRateAndPercentiles() {
        // a generous deadline: cold worker JVMs on a loaded machine miss the default 250 ms
        Result r = run("--pool-size", "2", "--timeout-ms", "30000", "load", "--entry", "compute",
                "--json", "{\"values\":[1,2,3]}", "--concurrency", "4", "--requests", "400", "--warmup", "0");

        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("2 workers, concurrency 4").contains("400 ok, 0 failed")
                .containsPattern("rate: +[0-9]+ calls/s").containsPattern("p50 [0-9.]+ ms, p90");
    }

    @Test
    void loadCanReportJson() {
        Result r = run("--timeout-ms", "30000", "load", "--concurrency", "2", "--duration", "300ms", "--warmup", "100ms",
                "--format", "json");

        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        Map<String, Object> report = jsonObject(r.out());
        assertThat(report).containsEntry("entry", "__ping__").containsEntry("codec", "raw")
                .containsEntry("failed", 0).containsKeys("calls_per_s", "latency_ms");
        assertThat(((Number) report.get("ok")).longValue()).isPositive();
    }

    @Test
    void loadExitsWithTheCodeOfItsFailures() {
        Result r = run("--timeout-ms", "30000", "load", "--entry", "no_such_export", "--json", "{}", "--requests", "5",
                "--concurrency", "1", "--warmup", "0");

        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.out()).contains("0 ok, 5 failed").contains("MoltInvalidInput x 5");
        assertThat(r.err()).contains("first failure: MoltInvalidInput");
    }

    @Test
    void helpAndMissingSubcommand() {
        Result help = run("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("ping").contains("call").contains("load").contains("Exit codes");

        Result none = run();
        assertThat(none.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).contains("Missing subcommand");
    }

    @Test
    void durationsParse() {
        Converters.DurationConverter c = new Converters.DurationConverter();
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("10")).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    }
}
