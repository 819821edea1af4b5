package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.map;
import static dev.molt.accel.worker.Requests.msgpack;
import static dev.molt.accel.worker.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.SharedVectors;
import dev.molt.accel.protocol.SharedVectors.BadStream;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import dev.molt.accel.worker.demo.DemoContract;
import dev.molt.accel.worker.demo.FakeDb;
import dev.molt.accel.worker.demo.ListItemsQuery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real worker JVMs ({@code MoltWorkerMain} and {@code TestWorker}) talked to over their stdin and stdout. */
class WorkerProcessTest {

    private static final Duration EXIT = Duration.ofSeconds(60);

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

    // ------------------------------------------------------------------ command line

    @Test
    void helpAndVersionPrintToStderrAndExitZero() {
        WorkerProcess help = track(WorkerProcess.main("--help"));
        assertThat(help.awaitExit(EXIT)).isZero();
        assertThat(help.stderr()).contains("Usage: molt-worker").contains("--compiled-exports").contains("ignored");
        assertThat(help.channel.awaitEof(EXIT)).as("nothing on stdout").isEmpty();
        assertThat(help.channel.pumpFailure()).isNull();

        WorkerProcess version = track(WorkerProcess.main("-V"));
        assertThat(version.awaitExit(EXIT)).isZero();
        assertThat(version.stderr()).contains("molt-worker " + MoltWorker.version());
        assertThat(version.channel.awaitEof(EXIT)).isEmpty();
    }

    @Test
    void badArgumentsExitTwoWithUsage() {
        WorkerProcess bad = track(WorkerProcess.main("--bogus"));
        assertThat(bad.awaitExit(EXIT)).isEqualTo(2);
        assertThat(bad.stderr()).contains("Unknown option --bogus").contains("Usage: molt-worker");
        assertThat(bad.channel.awaitEof(EXIT)).isEmpty();

        WorkerProcess badEnv = track(WorkerProcess.start(MoltWorkerMain.class.getName(),
                Map.of("MOLT_WORKER_THREADS", "zero")));
        assertThat(badEnv.awaitExit(EXIT)).isEqualTo(2);
        assertThat(badEnv.stderr()).contains("MOLT_WORKER_THREADS");

        WorkerProcess missingManifest = track(WorkerProcess.main("--exports", "/nonexistent/exports.json"));
        assertThat(missingManifest.awaitExit(EXIT)).isEqualTo(2);
        assertThat(missingManifest.stderr()).contains("/nonexistent/exports.json");
    }

    // ------------------------------------------------------------------ the bundled worker

    @Test
    void bundledWorkerServesTheDemoExportsAndExitsZeroAtEndOfInput() {
        WorkerProcess w = track(WorkerProcess.main("--stdio", "--threads", "2", "--compiled-exports", "ignored.bin"));
        FrameChannel c = w.channel;
        assertThat(c.call(ping(1)).status()).isEqualTo(Status.OK);

        ResponseEnvelope list = c.call(Wire.JSON, msgpack(2, "list_items", 30_000, map("user_id", 7, "q", "ab", "limit", 3)));
        assertThat(list.status()).as(list.toString()).isEqualTo(Status.OK);
        assertThat(list.codec()).isEqualTo(Codec.JSON);
        assertThat(list.payload()).isEqualTo(DemoContract.listItemsJson(new ListItemsQuery(7, "ab", null, null, 3), FakeDb.FREE));

        ResponseEnvelope compute = c.call(msgpack(3, "compute", 0, map("values", "1,2,3", "scale", 2, "offset", 1)));
        assertThat(Requests.resultMap(compute)).containsEntry("scaled", List.of(3.0, 5.0, 7.0));
        assertThat(Requests.result(c.call(Requests.json(4, "offload_table", 0, Map.of("rows", 3)))))
                .isEqualTo(DemoContract.offloadTable(3));
        assertThat(Requests.result(c.call(Requests.json(5, "health", 0, Map.of())))).isEqualTo(Map.of("ok", true));
        // the packaged manifest lists db_exec for native workers; this one does not implement it
        assertThat(c.call(msgpack(6, "db_exec", 0, Map.of())).error()).isEqualTo("Unknown entry 'db_exec'.");
        assertThat(c.call(msgpack(7, "echo", 0, Map.of())).error()).isEqualTo("Unknown entry 'echo'.");

        long t0 = System.nanoTime();
        assertThat(w.closeInputAndAwaitEof()).isEmpty();
        assertThat(w.awaitExit(EXIT)).isZero();
        long exitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(exitMs).as("idle worker exits promptly after stdin EOF").isLessThan(3_000L);
        assertThat(w.stderr()).doesNotContain("Exception");
    }

    @Test
    void customManifestFromTheCommandLine(@TempDir Path dir) throws Exception {
        Path manifest = dir.resolve("exports.json");
        Files.writeString(manifest, "{\"abi_version\":\"0.1\",\"exports\":[{\"name\":\"health\",\"codec_in\":\"msgpack\","
                + "\"codec_out\":\"json\"}]}");
        WorkerProcess w = track(WorkerProcess.main("--exports", manifest.toString()));
        ResponseEnvelope health = w.channel.call(msgpack(1, "health", 0, Map.of()));
        assertThat(health.status()).isEqualTo(Status.OK);
        assertThat(health.codec()).isEqualTo(Codec.JSON);
        // the demo exports still serve beside the manifest's entries
        assertThat(w.channel.call(msgpack(2, "compute", 0, map("values", List.of(1)))).status()).isEqualTo(Status.OK);
        w.closeInputAndAwaitEof();
        assertThat(w.awaitExit(EXIT)).isZero();
    }

    @Test
    void badStreamsAreAnsweredAndAFramingErrorEndsTheProcessCleanly() {
        WorkerProcess w = track(WorkerProcess.main());
        int expected = 0;
        for (BadStream bad : SharedVectors.badStreams()) {
            if (!BadStreamsTest.endsStream(bad)) {
                w.channel.sendRaw(bad.stream());
                expected++;
            }
        }
        w.channel.send(Wire.MSGPACK, ping(99));
        List<ResponseEnvelope> got = w.channel.next(expected + 1);
        assertThat(got.subList(0, expected)).extracting(ResponseEnvelope::status).containsOnly(Status.INVALID_INPUT);
        assertThat(got.get(expected).requestId()).isEqualTo(99);
        w.channel.sendRaw(SharedVectors.hex("01000004")); // length above 64 MiB: must not be allocated
        assertThat(w.awaitExit(EXIT)).isZero();
        assertThat(w.channel.awaitEof(EXIT)).isEmpty();
    }

    @Test
    void requestInFlightAtEndOfInputIsAnsweredBeforeExit() {
        WorkerProcess w = track(WorkerProcess.testWorker(Map.of()));
        assertThat(w.channel.call(ping(1)).status()).isEqualTo(Status.OK);
        w.channel.send(Wire.MSGPACK, msgpack(2, "sleep", 0, Map.of("ms", 500)));
        w.channel.closeOutput();
        ResponseEnvelope r = w.channel.next();
        assertThat(r.requestId()).isEqualTo(2);
        assertThat(r.status()).isEqualTo(Status.OK);
        assertThat(Requests.result(r)).isEqualTo(Map.of("slept", 500));
        assertThat(w.awaitExit(EXIT)).isZero();
    }

    // ------------------------------------------------------------------ the test worker's misbehaviour

    @Test
    void printedTextGoesToStderrAndTheStreamStaysIntact() {
        WorkerProcess w = track(WorkerProcess.testWorker(Map.of()));
        ResponseEnvelope r = w.channel.call(msgpack(1, "print", 0, Map.of("text", "hello from a handler")));
        assertThat(Requests.result(r)).isEqualTo(Map.of("printed", true));
        assertThat(w.channel.call(ping(2)).status()).isEqualTo(Status.OK);
        await().atMost(EXIT).until(() -> w.stderr().contains("hello from a handler"));
        w.closeInputAndAwaitEof();
        assertThat(w.awaitExit(EXIT)).isZero();
    }

    @Test
    void deadlineAndCancelOnARealProcess(@TempDir Path dir) {
        WorkerProcess w = track(WorkerProcess.testWorker(Map.of(), "--threads", "2", "--max-queue", "1"));
        FrameChannel c = w.channel;
        ResponseEnvelope timeout = c.call(msgpack(1, "sleep", 200, Map.of("ms", 30_000)));
        assertThat(timeout.status()).isEqualTo(Status.TIMEOUT);
        // the timed-out sleep was interrupted, so its thread is free again: nothing in the stats
        await().atMost(EXIT).until(() -> ((Number) Requests.resultMap(c.call(msgpack(10, "stats", 0, Map.of())))
                .get("running")).longValue() == 0);

        // two cooperative sleeps take both threads; each writes a line to the file when it starts
        Path started = dir.resolve("started.txt");
        // (one at a time: with a queue of 1, a second request may find the first still in the queue)
        c.send(Wire.MSGPACK, msgpack(2, "touch", 0, Map.of("file", started.toString(), "sleep_ms", 30_000)));
        await().atMost(EXIT).until(() -> Files.exists(started) && Files.readAllLines(started).size() == 1);
        c.send(Wire.MSGPACK, msgpack(3, "touch", 0, Map.of("file", started.toString(), "sleep_ms", 30_000)));
        await().atMost(EXIT).until(() -> Files.readAllLines(started).size() == 2);
        c.send(Wire.MSGPACK, msgpack(4, "sleep", 0, Map.of("ms", 30_000))); // waits: both threads sleep
        c.send(Wire.MSGPACK, msgpack(5, "count", 0, Map.of()));
        ResponseEnvelope busy = c.next();
        assertThat(busy.requestId()).as(busy.toString()).isEqualTo(5);
        assertThat(busy.status()).isEqualTo(Status.BUSY);

        // the queued one first: cancelled first, a running one would free its thread for it
        c.send(Wire.MSGPACK, RequestEnvelope.cancel(4, Wire.MSGPACK));
        c.send(Wire.MSGPACK, RequestEnvelope.cancel(3, Wire.MSGPACK));
        c.send(Wire.MSGPACK, RequestEnvelope.cancel(2, Wire.MSGPACK));
        List<ResponseEnvelope> got = c.next(6);
        assertThat(got).filteredOn(ResponseEnvelope::isCancelAck).extracting(ResponseEnvelope::requestId)
                .containsExactlyInAnyOrder(2L, 3L, 4L);
        assertThat(got).filteredOn(r -> !r.isCancelAck()).extracting(ResponseEnvelope::status)
                .containsOnly(Status.CANCELLED);
        await().atMost(EXIT).until(() -> ((Number) Requests.resultMap(c.call(msgpack(6, "stats", 0, Map.of())))
                .get("cancel_observed")).longValue() >= 1);
        // nothing is left sleeping
        await().atMost(EXIT).until(() -> ((Number) Requests.resultMap(c.call(msgpack(7, "stats", 0, Map.of())))
                .get("running")).longValue() == 0);
        w.closeInputAndAwaitEof();
        assertThat(w.awaitExit(EXIT)).isZero();
    }

    @Test
    void crashEntryKillsTheProcessWithItsCode() {
        WorkerProcess w = track(WorkerProcess.testWorker(Map.of()));
        w.channel.send(Wire.MSGPACK, msgpack(1, "crash", 0, Map.of("code", 42)));
        assertThat(w.awaitExit(EXIT)).isEqualTo(42);
        assertThat(w.channel.awaitEof(EXIT)).isEmpty();
    }

    @Test
    void garbageEntryWritesAnUndecodableFrameThenAnswers() {
        WorkerProcess w = track(WorkerProcess.testWorker(Map.of()));
        w.channel.send(Wire.MSGPACK, msgpack(1, "garbage", 0, Map.of()));
        FrameChannel.Received junk = w.channel.nextFrame();
        assertThat(junk.response()).isNull();
        assertThat(junk.body()).hasSize(8).containsOnly((byte) 0xC1);
        assertThat(w.channel.next().requestId()).isEqualTo(1);
    }

    @Test
    void crashAtStartAndStartDelayComeFromTheEnvironment() {
        WorkerProcess crash = track(WorkerProcess.testWorker(Map.of("MOLT_TEST_CRASH_AT_START", "7")));
        assertThat(crash.awaitExit(EXIT)).isEqualTo(7);
        assertThat(crash.stderr()).contains("crashing at start");

        WorkerProcess slow = track(WorkerProcess.testWorker(Map.of("MOLT_TEST_START_DELAY_MS", "300")));
        long t0 = System.nanoTime();
        assertThat(slow.channel.call(ping(1)).status()).isEqualTo(Status.OK);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(300L);
    }

    @Test
    void touchCountsExecutionsAcrossProcessesAndCanCrashTheFirst(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("runs.txt");
        Map<String, Object> args = map("file", file.toString(), "crash_if_first", true, "sleep_ms", 0);
        WorkerProcess first = track(WorkerProcess.testWorker(Map.of()));
        first.channel.send(Wire.MSGPACK, msgpack(1, "touch", 0, args));
        assertThat(first.awaitExit(EXIT)).isEqualTo(3);
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).hasSize(1);

        WorkerProcess second = track(WorkerProcess.testWorker(Map.of()));
        assertThat(Requests.result(second.channel.call(msgpack(1, "touch", 0, args)))).isEqualTo(Map.of("count", 2));
        assertThat(Requests.result(second.channel.call(msgpack(2, "count", 0, Map.of())))).isEqualTo(Map.of("count", 1));
    }
}
