package dev.molt.accel.cli;

import static dev.molt.accel.cli.MoltAccelCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code molt-accel exports} and worker command lines with quoted arguments, against real worker
 * processes: the bundled worker given a manifest (compute in json) whose path contains spaces and
 * quotes, so only a correctly split argument reaches it (a wrong path makes it exit 2), and a
 * worker that does not know {@code __exports__}.
 */
@Timeout(120)
class ExportsAndWorkerCommandTest {

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String CP = System.getProperty("java.class.path");

    @TempDir
    Path dir;

    @AfterAll
    static void noWorkerOutlivesItsCommand() {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(ProcessHandle.current().descendants().toList()).isEmpty());
    }

    @Test
    @SuppressWarnings("unchecked")
    void exportsListsTheBundledWorkersEntriesAsLinesOrJson() {
        MoltAccelCliTest.Result lines = run("exports");
        assertThat(lines.exitCode()).as(lines.err()).isZero();
        assertThat(lines.out().lines().toList()).contains("list_items\tmsgpack -> json", "compute\tmsgpack -> msgpack",
                "offload_table\tjson -> json", "health\tjson -> json");

        MoltAccelCliTest.Result json = run("exports", "--json");
        assertThat(json.exitCode()).as(json.err()).isZero();
        Map<String, Object> m = MoltAccelCliTest.jsonObject(json.out());
        assertThat(m).containsEntry("abi_version", "0.1");
        assertThat((List<Object>) m.get("exports")).contains((Object) Map.of("name", "list_items", "codec_in", "msgpack", "codec_out", "json"));
    }

    @Test
    void aQuotedWorkerCommandPassesAnArgumentWithSpacesAndQuotes() throws IOException {
        Path manifest = manifest("with space's \"dir\"");
        String quoted = "'" + JAVA + "' -Xlog:all=warning:stderr -cp '" + CP + "' dev.molt.accel.worker.MoltWorkerMain "
                + "--stdio --exports \"" + manifest.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        MoltAccelCliTest.Result r = run("exports", "--worker-cmd", quoted);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).as("the manifest's codecs").contains("compute\tjson -> json")
                .doesNotContain("compute\tmsgpack -> msgpack");
    }

    @Test
    void workerArgsAreAppendedAsTheyAre() throws IOException {
        Path manifest = manifest("args with spaces");
        MoltAccelCliTest.Result r = run("exports", "--worker-cmd", "'" + JAVA + "' -cp '" + CP + "' "
                + "dev.molt.accel.worker.MoltWorkerMain --stdio", "--worker-arg", "--exports", "--worker-arg",
                manifest.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).as("the manifest's codecs").contains("compute\tjson -> json")
                .doesNotContain("compute\tmsgpack -> msgpack");

        MoltAccelCliTest.Result viaEnv = run(Map.of("MOLT_WORKER_CMD", JAVA + " -cp " + CP
                + " dev.molt.accel.worker.MoltWorkerMain --stdio"), "exports", "--worker-arg", "--exports",
                "--worker-arg", manifest.toString());
        assertThat(viaEnv.exitCode()).as(viaEnv.err()).isZero();
        assertThat(viaEnv.out().lines().toList()).contains("compute\tjson -> json");
    }

    @Test
    void aWorkerThatCannotSayExitsWith3() {
        MoltAccelCliTest.Result r = run("exports", "--worker-cmd", "'" + JAVA + "' -cp '" + CP + "' " + OlderWorker.class.getName());
        assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(r.err()).contains("cannot list its exports");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void badWorkerCommandsAreUsageErrorsThatDoNotEchoTheLine() {
        MoltAccelCliTest.Result open = run("exports", "--worker-cmd", "worker --token 'secret");
        assertThat(open.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(open.err()).contains("Invalid --worker-cmd: unterminated ' quote starting at position 16")
                .doesNotContain("secret");
        MoltAccelCliTest.Result argOnly = run("exports", "--worker-arg", "x");
        assertThat(argOnly.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(argOnly.err()).contains("--worker-arg needs --worker-cmd (or MOLT_WORKER_CMD)");
    }

    private Path manifest(String folder) throws IOException {
        Path d = Files.createDirectories(dir.resolve(folder));
        Path m = d.resolve("only compute.json");
        Files.writeString(m, "{\"abi_version\": \"0.1\", \"exports\": [{\"name\": \"compute\", \"codec_in\": \"json\", "
                + "\"codec_out\": \"json\"}]}");
        return m;
    }
}
