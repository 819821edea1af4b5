package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.map;
import static dev.molt.accel.worker.Requests.msgpack;
import static dev.molt.accel.worker.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input against real worker JVMs: frames of a few dozen bytes whose msgpack headers claim
 * gigabytes, manifests that promise what the worker does not implement or are not manifests at all,
 * and handlers that ignore their deadlines. Bounds are loose enough for a loaded 2-core machine and
 * tight enough to tell megabytes from gigabytes.
 */
class HostileInputProcessTest {

    private static final Duration EXIT = Duration.ofSeconds(60);
    /** Resident memory a worker may gain from the whole attack. */
    private static final long MAX_RSS_GROWTH_KB = 100 * 1024;

    private final List<WorkerProcess> started = new ArrayList<>();

    private WorkerProcess track(WorkerProcess p) {
        started.add(p);
        return p;
    }

    @AfterEach
    void noWorkerOutlivesItsTest() {
        for (WorkerProcess p : started) {
            p.close();
            assertThat(p.process.isAlive()).isFalse();
        }
    }

    // ------------------------------------------------------------------ length claims

    /** Payloads of {@code list_items} (msgpack in) whose headers claim far more than the frame holds. */
    static Map<String, byte[]> claimingPayloads() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("payload str32 1 GiB", bytes(0xdb, 0x40, 0, 0, 0));
        m.put("payload str32 4 GiB - 1", bytes(0xdb, 0xff, 0xff, 0xff, 0xff));
        m.put("payload bin32 1 GiB", bytes(0xc6, 0x40, 0, 0, 0));
        m.put("payload ext32 1 GiB", bytes(0xc9, 0x40, 0, 0, 0, 1));
        m.put("payload array32 1 Gi entries", bytes(0xdd, 0x40, 0, 0, 0));
        m.put("payload map32 1 Gi entries", bytes(0xdf, 0x40, 0, 0, 0));
        m.put("payload {q: str32 1 GiB}", bytes(0x81, 0xa1, 'q', 0xdb, 0x40, 0, 0, 0));
        return m;
    }

    @Test
    void eightFramesClaimingGigabytesAreAnsweredInvalidInputWithoutTheMemory() throws IOException {
        WorkerProcess w = track(WorkerProcess.main("--threads", "2"));
        FrameChannel c = w.channel;
        // warm up the paths the attack takes, so that the measurement sees the attack only
        assertThat(c.call(ping(1)).status()).isEqualTo(Status.OK);
        assertThat(c.call(msgpack(2, "list_items", 5_000, map("user_id", 1, "limit", 2))).status())
                .isEqualTo(Status.OK);
        assertThat(c.call(new RequestEnvelope(3, "list_items", 5_000, Codec.MSGPACK, bytes(0x92, 1))).status())
                .isEqualTo(Status.INVALID_INPUT);
        long rssBefore = rssKb(w.process.pid());

        List<String> names = new ArrayList<>();
        List<byte[]> frames = new ArrayList<>();
        long id = 100;
        for (Map.Entry<String, byte[]> e : claimingPayloads().entrySet()) {
            names.add(e.getKey());
            frames.add(Envelopes.encodeRequestFrame(Wire.MSGPACK,
                    new RequestEnvelope(id++, "list_items", 5_000, Codec.MSGPACK, e.getValue()),
                    Frames.DEFAULT_MAX_FRAME_BYTES));
        }
        names.add("envelope entry str32 1 GiB");
        frames.add(concat(bytes(0x85), str("request_id"), bytes((int) id), str("entry"),
                bytes(0xdb, 0x40, 0, 0, 0), new byte[40]));
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            byte[] framed = f[0] == (byte) 0x85 ? frame(f) : f;
            long t0 = System.nanoTime();
            c.sendRaw(framed);
            ResponseEnvelope r = c.next();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("hostile: %s (%d-byte frame) -> %s \"%s\" in %d ms%n", names.get(i), framed.length,
                    r.status(), r.error(), ms);
            assertThat(r.requestId()).as(names.get(i)).isEqualTo(100L + i);
            assertThat(r.status()).as(names.get(i)).isEqualTo(Status.INVALID_INPUT);
            assertThat(r.error()).as(names.get(i)).startsWith("Invalid").hasSizeLessThan(200)
                    .doesNotContain("Exception").doesNotContain("dev.molt").doesNotContain("org.msgpack");
            assertThat(ms).as(names.get(i) + " answered in ms").isLessThan(5_000L);
        }
        assertThat(c.call(ping(200)).status()).isEqualTo(Status.OK);
        long rssAfter = rssKb(w.process.pid());
        System.out.printf("hostile: worker RSS %d kB before, %d kB after %d frames (%+d kB)%n", rssBefore, rssAfter,
                frames.size(), rssAfter - rssBefore);
        assertThat(rssAfter - rssBefore).as("RSS growth in kB").isLessThan(MAX_RSS_GROWTH_KB);
        assertThat(w.stderr()).doesNotContain("Exception").doesNotContain("OutOfMemory");
        w.closeInputAndAwaitEof();
        assertThat(w.awaitExit(EXIT)).isZero();
    }

    @Test
    void malformedFramesLeaveNoPayloadBytesOnStderrAndGetShortAnswers() {
        WorkerProcess w = track(WorkerProcess.main());
        FrameChannel c = w.channel;
        String marker = "PAYLOAD-MARKER-" + "x".repeat(2_000);
        byte[] text = marker.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<byte[]> bodies = List.of(
                concat("{\"request_id\": 1, \"entry\": ".getBytes(java.nio.charset.StandardCharsets.UTF_8), text),
                concat("{\"request_id\": 2, \"entry\": \"compute\", \"timeout_ms\": 0, \"codec\": \""
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8), text, bytes('"', '}')),
                concat(bytes(0x85), str("request_id"), bytes(3), str("entry"), bytes(0xda, 0x10, 0), text),
                concat(bytes(0x85), str("request_id"), bytes(4), str("codec"), bytes(0xda, text.length >> 8,
                        text.length & 0xff), text));
        for (byte[] body : bodies) {
            c.sendRaw(frame(body));
            ResponseEnvelope r = c.next();
            assertThat(r.status()).as(r.toString()).isEqualTo(Status.INVALID_INPUT);
            assertThat(r.error()).hasSizeLessThan(200).doesNotContain("\n").doesNotContain("Exception");
        }
        // a payload that does not fit the export's input
        ResponseEnvelope r = c.call(msgpack(5, "compute", 0, marker));
        assertThat(r.status()).isEqualTo(Status.INVALID_INPUT);
        assertThat(r.error()).hasSizeLessThan(400).doesNotContain("dev.molt").doesNotContain("\tat ");
        assertThat(c.call(ping(6)).status()).isEqualTo(Status.OK);
        w.closeInputAndAwaitEof();
        assertThat(w.awaitExit(EXIT)).isZero();
        assertThat(w.stderr()).doesNotContain("PAYLOAD-MARKER").doesNotContain("Exception");
    }

    // ------------------------------------------------------------------ manifests

    @Test
    void aManifestListingUnimplementedEntriesStopsTheWorkerWithOneLine(@TempDir Path dir) throws IOException {
        Path manifest = dir.resolve("exports.json");
        Files.writeString(manifest, "{\"abi_version\":\"0.1\",\"exports\":[{\"name\":\"list_items\",\"codec_in\":"
                + "\"msgpack\",\"codec_out\":\"json\"},{\"name\":\"db_query\"},{\"name\":\"db_exec\"}]}");
        WorkerProcess w = track(WorkerProcess.main("--exports", manifest.toString()));
        assertThat(w.awaitExit(EXIT)).isEqualTo(2);
        assertThat(w.channel.awaitEof(EXIT)).as("nothing on stdout").isEmpty();
        String err = w.stderr().strip();
        assertThat(err.lines()).hasSize(1);
        assertThat(err).startsWith("molt-worker: --exports " + manifest).contains("db_query, db_exec")
                .doesNotContain("list_items");
    }

    @Test
    void theDefaultIsExactlyWhatTheWorkerImplements() {
        WorkerProcess w = track(WorkerProcess.main());
        for (String entry : List.of("db_query", "db_exec")) {
            ResponseEnvelope r = w.channel.call(msgpack(1, entry, 0, Map.of()));
            assertThat(r.status()).isEqualTo(Status.INVALID_INPUT);
            assertThat(r.error()).isEqualTo("Unknown entry '" + entry + "'.");
        }
        assertThat(w.channel.call(msgpack(2, "compute", 0, map("values", List.of(1)))).status()).isEqualTo(Status.OK);
        w.closeInputAndAwaitEof();
        assertThat(w.awaitExit(EXIT)).isZero();
        assertThat(w.stderr()).contains("serving [list_items, compute, offload_table, health]");
    }

    @Test
    void aFileOfSecretsGivenAsManifestIsNotEchoed(@TempDir Path dir) throws IOException {
        Path shadow = dir.resolve("shadow");
        String secret = "$6$q8Zr1Secret$Hq1RkYZmJp0";
        Files.writeString(shadow, "root:" + secret + ":19700:0:99999:7:::\n");
        WorkerProcess w = track(WorkerProcess.main("--exports", shadow.toString()));
        assertThat(w.awaitExit(EXIT)).isEqualTo(2);
        assertThat(w.stderr()).contains(shadow.toString()).contains("not valid JSON at line 1")
                .doesNotContain(secret).doesNotContain("19700");
        assertThat(w.stderr().strip().lines()).hasSize(1);
    }

    // ------------------------------------------------------------------ deadlines in a JVM

    @Test
    void interruptibleHandlersStopAtTheirDeadline() {
        WorkerProcess w = track(WorkerProcess.start(StubbornWorker.class.getName(), Map.of(), "--threads", "2"));
        FrameChannel c = w.channel;
        assertThat(c.call(ping(1)).status()).isEqualTo(Status.OK);
        assertThat(c.call(msgpack(2, "sleep", 500, Map.of("ms", 60_000))).status()).isEqualTo(Status.TIMEOUT);
        assertThat(c.call(msgpack(3, "take", 500, Map.of())).status()).isEqualTo(Status.TIMEOUT);
        // both threads are free again at once: the handlers were interrupted, not left to run 60 s
        // (on a loaded machine a handler may not have started by its deadline: then it never starts)
        await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) stats(c, 4).get("running")).intValue() == 0);
        // and the interrupt of a finished call never reaches the next one on the same thread
        assertThat(Requests.result(c.call(msgpack(5, "sleep", 0, Map.of("ms", 50))))).isEqualTo(Map.of("slept", 50));
        assertThat(Requests.result(c.call(msgpack(6, "sleep", 0, Map.of("ms", 50))))).isEqualTo(Map.of("slept", 50));
    }

    @Test
    void workerWithEveryThreadStuckInNonCooperatingHandlersStillAnswersPing() {
        WorkerProcess w = track(WorkerProcess.start(StubbornWorker.class.getName(), Map.of(),
                "--threads", "2", "--max-queue", "4"));
        FrameChannel c = w.channel;
        assertThat(c.call(ping(1)).status()).isEqualTo(Status.OK);
        long t0 = System.nanoTime();
        // deadlines long enough for both handlers to start on a loaded machine: one answered Timeout
        // before it started would free its thread for the queued request
        c.send(Wire.MSGPACK, msgpack(2, "spin", 2_000, Map.of("ms", 12_000)));
        c.send(Wire.MSGPACK, msgpack(3, "spin", 2_000, Map.of("ms", 12_000)));
        c.send(Wire.MSGPACK, msgpack(4, "stats", 0, Map.of())); // queued behind the stuck threads
        List<ResponseEnvelope> timeouts = c.next(2);
        long timedOutMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(timeouts).extracting(ResponseEnvelope::status).containsOnly(Status.TIMEOUT);
        // the threads still spin (a JVM cannot stop them), but ping is answered by the reader thread
        long p0 = System.nanoTime();
        ResponseEnvelope pong = c.call(ping(5));
        long pingMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - p0);
        assertThat(pong.status()).isEqualTo(Status.OK);
        assertThat(c.nothingPending()).as("the queued stats request is still waiting").isTrue();
        System.out.printf("hostile: 2 spinning handlers: Timeout after %d ms, __ping__ answered in %d ms%n",
                timedOutMs, pingMs);
        assertThat(pingMs).as("ping answered while every thread is stuck").isLessThan(3_000L);
        assertThat(timedOutMs).isLessThan(8_000L);
        // once the spinning ends, the queued request runs
        ResponseEnvelope stats = c.next();
        assertThat(stats.requestId()).isEqualTo(4);
        assertThat(stats.status()).isEqualTo(Status.OK);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stats(FrameChannel c, long id) {
        return (Map<String, Object>) Requests.result(c.call(msgpack(id, "stats", 0, Map.of())));
    }

    // ------------------------------------------------------------------ helpers

    /** Resident set size of a process, from {@code /proc/<pid>/status}. */
    static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    private static byte[] frame(byte[] body) {
        byte[] f = new byte[body.length + Frames.HEADER_BYTES];
        f[0] = (byte) body.length;
        f[1] = (byte) (body.length >>> 8);
        System.arraycopy(body, 0, f, Frames.HEADER_BYTES, body.length);
        return f;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] str(String s) {
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return concat(bytes(0xa0 | utf8.length), utf8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
