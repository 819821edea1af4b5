package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** {@code --request-log json}: one bounded, correctly escaped JSON line per request on stderr. */
class RequestLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> MAP =
            new com.fasterxml.jackson.core.type.TypeReference<>() { };
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT_ID = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";

    @Test
    void aLineIsOneJsonObjectWithTheRequestsFields() throws Exception {
        String line = RequestLog.line(-1L, "list_items", Status.OK, 12, 345, TRACEPARENT);
        assertThat(line).endsWith(System.lineSeparator());
        Map<String, Object> m = JSON.readValue(line, MAP);
        assertThat(m).containsEntry("molt_request", 1).containsEntry("entry", "list_items")
                .containsEntry("status", "Ok").containsEntry("queue_us", 12).containsEntry("exec_us", 345)
                .containsEntry("trace_id", TRACE_ID).containsEntry("parent_id", PARENT_ID);
        assertThat(m.get("request_id").toString()).isEqualTo("18446744073709551615"); // u64, not -1
        Map<String, Object> none = JSON.readValue(RequestLog.line(7, "x", Status.BUSY, 0, 0, "00-nope"), MAP);
        assertThat(none).containsEntry("trace_id", null).containsEntry("parent_id", null)
                .containsEntry("status", "Busy");
    }

    @Test
    void hostileEntryNamesStayOneBoundedLineOfValidJson() throws Exception {
        String[] hostile = {"a\"b\\c", "line\nbreak\r\u0000\u001f\u007f", "sep\u2028\u2029", "lone\ud800x",
            "pair\ud83d\ude00", "\"},\"status\":\"Ok", "x".repeat(1_000_000), "\ud83d\ude00".repeat(100)};
        for (String entry : hostile) {
            long t0 = System.nanoTime();
            String line = RequestLog.line(1, entry, Status.INVALID_INPUT, 0, 0, "t".repeat(100_000));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
            String body = line.substring(0, line.length() - System.lineSeparator().length());
            assertThat(body).doesNotContain("\n", "\r", "\u2028", "\u2029");
            assertThat(body.getBytes(StandardCharsets.UTF_8).length).isLessThan(400 + 4 * RequestLog.MAX_ENTRY_CHARS);
            Map<String, Object> m = JSON.readValue(body, MAP);
            assertThat(m).containsEntry("status", "InvalidInput").containsEntry("trace_id", null);
            String logged = (String) m.get("entry");
            if (entry.length() <= RequestLog.MAX_ENTRY_CHARS && !entry.contains("\ud800")) {
                assertThat(logged).isEqualTo(entry);
            } else {
                assertThat(logged.length()).isLessThanOrEqualTo(RequestLog.MAX_ENTRY_CHARS + 3);
            }
        }
    }

    @Test
    void anInProcessWorkerLogsEachAnsweredAndRejectedRequest() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        MoltWorker.Builder b = Requests.testWorker().requestLog(out);
        try (InProcessWorker w = new InProcessWorker(b.build())) {
            RequestEnvelope traced = new RequestEnvelope(1, "echo", 0, Codec.MSGPACK,
                    Payloads.encode(Codec.MSGPACK, Map.of("a", 1)), Map.of("traceparent", TRACEPARENT));
            assertThat(w.channel.call(traced).status()).isEqualTo(Status.OK);
            assertThat(w.channel.call(Requests.msgpack(2, "no_such_entry", 0, Map.of())).status())
                    .isEqualTo(Status.INVALID_INPUT);
            assertThat(w.channel.call(Requests.ping(3)).status()).isEqualTo(Status.OK);
        }
        // a line is written after its answer, so the next request's line may come first
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> lines(bytes.toString(StandardCharsets.UTF_8)).size() >= 2);
        List<Map<String, Object>> lines = new ArrayList<>(lines(bytes.toString(StandardCharsets.UTF_8)));
        lines.sort(java.util.Comparator.comparingLong(l -> ((Number) l.get("request_id")).longValue()));
        assertThat(lines).hasSize(2); // pings are not requests of an export
        assertThat(lines.get(0)).containsEntry("request_id", 1).containsEntry("entry", "echo")
                .containsEntry("status", "Ok").containsEntry("trace_id", TRACE_ID).containsEntry("parent_id", PARENT_ID);
        assertThat(((Number) lines.get(0).get("exec_us")).longValue()).isNotNegative();
        assertThat(lines.get(1)).containsEntry("request_id", 2).containsEntry("status", "InvalidInput")
                .containsEntry("trace_id", null);
    }

    @Test
    void theWorkerProcessWritesTheLogToStderrWithTheFlagOrTheVariable() throws Exception {
        for (WorkerProcess p : List.of(WorkerProcess.main("--request-log", "json"),
                WorkerProcess.start(MoltWorkerMain.class.getName(), Map.of("MOLT_WORKER_REQUEST_LOG", "json")))) {
            try (p) {
                RequestEnvelope r = new RequestEnvelope(5, "compute", 0, Codec.MSGPACK,
                        Payloads.encode(Codec.MSGPACK, Map.of("values", List.of(1, 2, 3), "scale", 2.0)),
                        Map.of("traceparent", TRACEPARENT));
                assertThat(p.channel.call(r).status()).isEqualTo(Status.OK);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> p.stderr().contains("\"molt_request\""));
                Map<String, Object> line = lines(p.stderr()).get(0);
                assertThat(line).containsEntry("request_id", 5).containsEntry("entry", "compute")
                        .containsEntry("trace_id", TRACE_ID);
            }
        }
        WorkerProcess off = WorkerProcess.main();
        try (off) {
            assertThat(off.channel.call(Requests.msgpack(1, "compute", 0, Map.of("values", List.of(1), "scale", 1.0)))
                    .status()).isEqualTo(Status.OK);
        }
        assertThat(off.stderr()).doesNotContain("molt_request");
        WorkerProcess bad = WorkerProcess.main("--request-log", "yaml");
        assertThat(bad.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
        assertThat(bad.stderr()).contains("--request-log must be json or off");
    }

    private static List<Map<String, Object>> lines(String text) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String l : text.split("\\R")) {
            if (l.startsWith("{\"molt_request\"")) {
                out.add(JSON.readValue(l, MAP));
            }
        }
        return out;
    }
}
