package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.map;
import static dev.molt.accel.worker.Requests.msgpack;
import static dev.molt.accel.worker.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.ExportsManifest;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import dev.molt.accel.worker.demo.DemoContract;
import dev.molt.accel.worker.demo.DemoExports;
import dev.molt.accel.worker.demo.FakeDb;
import dev.molt.accel.worker.demo.ListItemsQuery;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stdio server in process, over in-memory pipes: statuses, queue, deadlines, cancellation, end of streams. */
class WorkerBehaviourTest {

    private static final long WAIT_S = 30;

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch observedCancel = new CountDownLatch(1);
    private final AtomicInteger tally = new AtomicInteger();
    private InProcessWorker worker;

    /** Control exports whose progress the test drives. */
    private List<Export> controlled() {
        return List.of(
                Export.of("block", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    started.countDown();
                    release.await(WAIT_S, TimeUnit.SECONDS); // ignores cancellation on purpose
                    return Map.of("released", true);
                }),
                Export.of("observe", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    started.countDown();
                    // parked for far longer than the test waits: only the worker's unpark wakes it in time
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4 * WAIT_S);
                    while (!ctx.isCancelled() && System.nanoTime() - end < 0) {
                        LockSupport.parkNanos(end - System.nanoTime());
                    }
                    if (ctx.isCancelled()) {
                        observedCancel.countDown();
                    }
                    ctx.throwIfCancelled();
                    return Map.of("observed", false);
                }),
                Export.of("tally", Codec.MSGPACK, Codec.MSGPACK, Object.class,
                        (p, ctx) -> Map.of("tally", tally.incrementAndGet())),
                Export.of("bad_arg", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    throw new IllegalArgumentException("limit must be positive");
                }),
                Export.of("npe", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    throw new NullPointerException();
                }),
                Export.of("oom", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    throw new OutOfMemoryError("simulated");
                }),
                Export.of("context", Codec.MSGPACK, Codec.JSON, Object.class, (p, ctx) -> {
                    ctx.putMetric("custom_count", 3);
                    ctx.putMetric("custom_tag", "x");
                    ctx.putMetric("exec_us", 999_999_999L); // the worker's own keys win
                    Map<String, Object> m = new HashMap<>();
                    m.put("id", Long.toUnsignedString(ctx.requestId()));
                    m.put("entry", ctx.entry());
                    m.put("in", ctx.requestCodec().id());
                    m.put("out", ctx.responseCodec().id());
                    m.put("has_deadline", ctx.hasDeadline());
                    m.put("remaining_ms", ctx.hasDeadline() ? ctx.remaining().toMillis() : -1);
                    m.put("cancelled", ctx.isCancelled());
                    return m;
                }),
                Export.of("negative_metric", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    ctx.putMetric("bad", -1);
                    return null;
                }));
    }

    private InProcessWorker start(MoltWorker.Builder builder) {
        worker = new InProcessWorker(builder.exports(controlled()).build());
        return worker;
    }

    private InProcessWorker start() {
        return start(Requests.testWorker());
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        if (worker != null) {
            worker.close();
        }
    }

    private void awaitStarted() throws InterruptedException {
        assertThat(started.await(WAIT_S, TimeUnit.SECONDS)).as("handler started").isTrue();
    }

    private static long stat(FrameChannel c, AtomicLong ids, String key) {
        return ((Number) Requests.resultMap(c.call(msgpack(ids.incrementAndGet(), "stats", 0, Map.of()))).get(key))
                .longValue();
    }

    // ------------------------------------------------------------------ entries and codecs

    @Test
    void unknownAndReservedEntriesAreInvalidInput() {
        FrameChannel c = start().channel;
        ResponseEnvelope r = c.call(msgpack(1, "nope", 0, Map.of()));
        assertThat(r.status()).isEqualTo(Status.INVALID_INPUT);
        assertThat(r.error()).isEqualTo("Unknown entry 'nope'.");
        ResponseEnvelope reserved = c.call(msgpack(2, "__secret__", 0, Map.of()));
        assertThat(reserved.status()).isEqualTo(Status.INVALID_INPUT);
        assertThat(reserved.error()).isEqualTo("Unknown entry '__secret__'.");
    }

    @Test
    void manifestEntryWithoutImplementationIsNotServed() {
        // the test worker is given the packaged manifest, which lists db_query and db_exec
        ResponseEnvelope r = start().channel.call(msgpack(1, "db_query", 0, Map.of("sql", "select 1")));
        assertThat(r.status()).isEqualTo(Status.INVALID_INPUT);
        assertThat(r.error()).isEqualTo("Unknown entry 'db_query'.");
    }

    @Test
    void codecOtherThanTheExportsCodecInIsInvalidInput() {
        ResponseEnvelope r = start().channel.call(Requests.json(1, "list_items", 0, Map.of("user_id", 1)));
        assertThat(r.status()).isEqualTo(Status.INVALID_INPUT);
        assertThat(r.error()).isEqualTo("Entry 'list_items' expects codec 'msgpack' but the request has codec 'json'");
    }

    @Test
    void anyCodecExportAnswersInTheRequestsCodec() {
        FrameChannel c = start().channel;
        byte[] raw = {0, 1, 2, (byte) 0xFF};
        ResponseEnvelope r = c.call(new RequestEnvelope(1, "echo", 0, Codec.RAW, raw));
        assertThat(r.status()).isEqualTo(Status.OK);
        assertThat(r.codec()).isEqualTo(Codec.RAW);
        assertThat(r.payload()).isEqualTo(raw);
        ResponseEnvelope m = c.call(msgpack(2, "echo", 0, Map.of("a", 1)));
        assertThat(m.codec()).isEqualTo(Codec.MSGPACK);
        assertThat(Requests.result(m)).isEqualTo(Map.of("a", 1));
        ResponseEnvelope j = c.call(Wire.JSON, Requests.json(3, "echo", 0, List.of("x")));
        assertThat(j.codec()).isEqualTo(Codec.JSON);
        assertThat(new String(j.payload(), StandardCharsets.UTF_8)).isEqualTo("[\"x\"]");
    }

    @Test
    void jsonWireRequestsAreAnsweredOnTheJsonWire() {
        FrameChannel c = start().channel;
        c.send(Wire.JSON, Requests.json(5, "health", 0, Map.of()));
        FrameChannel.Received got = c.nextFrame();
        assertThat(got.wire()).isEqualTo(Wire.JSON);
        assertThat(got.ok().status()).isEqualTo(Status.OK);
        assertThat(new String(got.ok().payload(), StandardCharsets.UTF_8)).isEqualTo("{\"ok\":true}");
        c.send(Wire.JSON, RequestEnvelope.ping(6, 0));
        assertThat(c.nextFrame().wire()).isEqualTo(Wire.JSON);
    }

    @Test
    void emptyJsonPayloadReachesTheHandlerAsNull() {
        ResponseEnvelope r = start().channel.call(new RequestEnvelope(1, "health", 0, Codec.JSON, new byte[0]));
        assertThat(r.status()).isEqualTo(Status.OK);
        assertThat(Requests.result(r)).isEqualTo(Map.of("ok", true));
    }

    // ------------------------------------------------------------------ outcomes of handlers

    @Test
    void handlerFailuresMapToStatuses() {
        FrameChannel c = start().channel;
        ResponseEnvelope fail = c.call(msgpack(1, "fail", 0, Map.of("message", "boom")));
        assertThat(fail.status()).isEqualTo(Status.INTERNAL_ERROR);
        assertThat(fail.error()).isEqualTo("boom");
        ResponseEnvelope badArg = c.call(msgpack(2, "bad_arg", 0, Map.of()));
        assertThat(badArg.status()).isEqualTo(Status.INVALID_INPUT);
        assertThat(badArg.error()).isEqualTo("limit must be positive");
        ResponseEnvelope npe = c.call(msgpack(3, "npe", 0, Map.of()));
        assertThat(npe.status()).isEqualTo(Status.INTERNAL_ERROR);
        assertThat(npe.error()).isEqualTo("NullPointerException");
        ResponseEnvelope oom = c.call(msgpack(4, "oom", 0, Map.of()));
        assertThat(oom.status()).isEqualTo(Status.INTERNAL_ERROR);
        assertThat(oom.error()).isEqualTo("simulated");
        ResponseEnvelope missingUser = c.call(msgpack(5, "list_items", 0, Map.of("limit", 3)));
        assertThat(missingUser.status()).isEqualTo(Status.INVALID_INPUT);
        assertThat(missingUser.error()).isEqualTo("user_id is required");
        ResponseEnvelope badPayload = c.call(new RequestEnvelope(6, "compute", 0, Codec.MSGPACK, new byte[] {(byte) 0xC1}));
        assertThat(badPayload.status()).isEqualTo(Status.INVALID_INPUT);
        assertThat(badPayload.error()).startsWith("Invalid msgpack payload");
        ResponseEnvelope negative = c.call(msgpack(7, "negative_metric", 0, Map.of()));
        assertThat(negative.status()).isEqualTo(Status.INVALID_INPUT);
        assertThat(negative.error()).contains("must be >= 0");
        // the worker threads survived all of it
        assertThat(c.call(msgpack(8, "tally", 0, Map.of())).status()).isEqualTo(Status.OK);
    }

    @Test
    void deeplyNestedMsgpackPayloadIsInvalidInputNotACrash() {
        byte[] deep = new byte[10_001];
        java.util.Arrays.fill(deep, 0, 10_000, (byte) 0x91); // fixarray of 1, nested
        deep[10_000] = 0x01;
        ResponseEnvelope r = start().channel.call(new RequestEnvelope(1, "compute", 0, Codec.MSGPACK, deep));
        assertThat(r.status()).isEqualTo(Status.INVALID_INPUT);
        assertThat(r.error()).contains("nesting");
    }

    @Test
    void everyResponseCarriesTheWorkerMetricsAndTheHandlersOwn() {
        FrameChannel c = start().channel;
        ResponseEnvelope r = c.call(msgpack(1, "list_items", 0, map("user_id", 7, "limit", 4)));
        assertThat(r.metrics()).containsKeys("decode_us", "queue_us", "queue_ms", "queue_depth", "payload_bytes",
                "handler_us", "exec_us", "exec_ms");
        assertThat(r.metrics()).containsEntry("db_row_count", 4L).containsEntry("db_tag", "fake");
        assertThat(r.metrics().values()).allSatisfy(v -> {
            if (v instanceof Long l) {
                assertThat(l).isNotNegative();
            }
        });
        ResponseEnvelope ctx = c.call(msgpack(2, "context", 1500, Map.of()));
        assertThat(ctx.codec()).isEqualTo(Codec.JSON);
        assertThat(ctx.metrics()).containsEntry("custom_count", 3L).containsEntry("custom_tag", "x");
        assertThat((Long) ctx.metrics().get("exec_us")).isLessThan(999_999_999L);
        Map<String, Object> seen = Requests.resultMap(ctx);
        assertThat(seen).containsEntry("id", "2").containsEntry("entry", "context").containsEntry("in", "msgpack")
                .containsEntry("out", "json").containsEntry("has_deadline", true).containsEntry("cancelled", false);
        assertThat(((Number) seen.get("remaining_ms")).longValue()).isBetween(1L, 1500L);
    }

    // ------------------------------------------------------------------ queue, deadlines, cancellation

    @Test
    void fullQueueAnswersBusyAtOnceAndQueuedWorkCanBeCancelledWithoutRunning() throws Exception {
        FrameChannel c = start(Requests.testWorker().threads(1).maxQueue(1)).channel;
        c.send(Wire.MSGPACK, msgpack(1, "block", 0, Map.of()));
        awaitStarted();
        c.send(Wire.MSGPACK, msgpack(2, "tally", 0, Map.of())); // waits in the queue
        c.send(Wire.MSGPACK, msgpack(3, "tally", 0, Map.of())); // no room
        ResponseEnvelope busy = c.next();
        assertThat(busy.requestId()).isEqualTo(3);
        assertThat(busy.status()).isEqualTo(Status.BUSY);
        assertThat(busy.error()).isEqualTo("Worker queue full");
        assertThat(busy.metrics()).containsEntry("queue_depth", 1L);

        c.send(Wire.MSGPACK, Requests.cancel(2));
        ResponseEnvelope ack = c.next();
        assertThat(ack.isCancelAck()).isTrue();
        assertThat(ack.requestId()).isEqualTo(2);
        ResponseEnvelope cancelled = c.next();
        assertThat(cancelled.requestId()).isEqualTo(2);
        assertThat(cancelled.status()).isEqualTo(Status.CANCELLED);
        assertThat(cancelled.error()).isEqualTo("Request cancelled");

        release.countDown();
        ResponseEnvelope first = c.next();
        assertThat(first.requestId()).isEqualTo(1);
        assertThat(first.status()).isEqualTo(Status.OK);
        assertThat(Requests.result(c.call(msgpack(4, "tally", 0, Map.of())))).isEqualTo(Map.of("tally", 1));
    }

    @Test
    void zeroQueueRunsOnlyWhatFindsAFreeThread() throws Exception {
        FrameChannel c = start(Requests.testWorker().threads(1).maxQueue(0)).channel;
        c.send(Wire.MSGPACK, msgpack(1, "block", 0, Map.of()));
        awaitStarted();
        ResponseEnvelope busy = c.call(msgpack(2, "tally", 0, Map.of()));
        assertThat(busy.status()).isEqualTo(Status.BUSY);
        release.countDown();
        assertThat(c.next().status()).isEqualTo(Status.OK);
    }

    @Test
    void deadlinePassingInANonCooperativeHandlerAnswersTimeoutOnTime() {
        FrameChannel c = start().channel;
        long t0 = System.nanoTime();
        ResponseEnvelope r = c.call(msgpack(1, "sleep", 300, Map.of("ms", 20_000, "cooperative", false)));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.status()).isEqualTo(Status.TIMEOUT);
        assertThat(r.error()).isEqualTo("Request timed out");
        assertThat(tookMs).as("answered at the deadline, not when the handler returns").isBetween(250L, 10_000L);
        assertThat((Long) r.metrics().get("handler_us")).isGreaterThan(0L);
        assertThat(c.call(ping(2)).status()).isEqualTo(Status.OK);
    }

    @Test
    void deadlinePassingWhileQueuedAnswersTimeoutWithoutRunning() throws Exception {
        FrameChannel c = start(Requests.testWorker().threads(1).maxQueue(4)).channel;
        c.send(Wire.MSGPACK, msgpack(1, "block", 0, Map.of()));
        awaitStarted();
        ResponseEnvelope r = c.call(msgpack(2, "tally", 200, Map.of()));
        assertThat(r.status()).isEqualTo(Status.TIMEOUT);
        assertThat((Long) r.metrics().get("queue_ms")).isGreaterThanOrEqualTo(150L);
        release.countDown();
        assertThat(c.next().requestId()).isEqualTo(1);
        assertThat(Requests.result(c.call(msgpack(3, "tally", 0, Map.of())))).isEqualTo(Map.of("tally", 1));
    }

    @Test
    void cancelIsAcknowledgedThenTheRunningRequestEndsCancelledAndTheHandlerSeesIt() throws Exception {
        FrameChannel c = start().channel;
        c.send(Wire.MSGPACK, msgpack(9, "observe", 0, Map.of()));
        awaitStarted();
        c.send(Wire.MSGPACK, Requests.cancel(9));
        ResponseEnvelope ack = c.next();
        assertThat(ack.isCancelAck()).isTrue();
        assertThat(ack.entry()).isEqualTo(Entries.CANCEL);
        assertThat(ack.requestId()).isEqualTo(9);
        assertThat(ack.codec()).isEqualTo(Codec.RAW);
        ResponseEnvelope answer = c.next();
        assertThat(answer.requestId()).isEqualTo(9);
        assertThat(answer.status()).isEqualTo(Status.CANCELLED);
        assertThat(observedCancel.await(WAIT_S, TimeUnit.SECONDS)).as("cooperative handler saw the cancel").isTrue();
        assertThat(c.call(ping(10)).status()).isEqualTo(Status.OK);
    }

    @Test
    void aHandlerParkedPastItsDeadlineIsWokenWhenItTimesOut() throws Exception {
        FrameChannel c = start().channel;
        ResponseEnvelope r = c.call(msgpack(4, "observe", 200, Map.of()));
        assertThat(r.status()).isEqualTo(Status.TIMEOUT);
        assertThat(observedCancel.await(WAIT_S, TimeUnit.SECONDS)).as("parked handler woke at its deadline").isTrue();
    }

    @Test
    void cooperativeTestWorkerSleepObservesTheCancel() {
        FrameChannel c = start().channel;
        AtomicLong ids = new AtomicLong(100);
        long before = stat(c, ids, "cancel_observed");
        c.send(Wire.MSGPACK, msgpack(2, "sleep", 0, Map.of("ms", 30_000, "cooperative", true)));
        await().atMost(Duration.ofSeconds(WAIT_S)).until(() -> stat(c, ids, "running") > 0);
        c.send(Wire.MSGPACK, Requests.cancel(2));
        assertThat(c.next().isCancelAck()).isTrue();
        ResponseEnvelope cancelled = c.next();
        assertThat(cancelled.requestId()).isEqualTo(2);
        assertThat(cancelled.status()).isEqualTo(Status.CANCELLED);
        await().atMost(Duration.ofSeconds(WAIT_S)).until(() -> stat(c, ids, "cancel_observed") > before);
    }

    @Test
    void cancelOfAnUnknownOrFinishedRequestIsAcknowledgedOnly() {
        FrameChannel c = start().channel;
        assertThat(c.call(msgpack(1, "tally", 0, Map.of())).status()).isEqualTo(Status.OK);
        c.send(Wire.MSGPACK, Requests.cancel(1));
        c.send(Wire.JSON, RequestEnvelope.cancel(12345, Wire.JSON));
        c.send(Wire.MSGPACK, ping(2));
        List<ResponseEnvelope> got = c.next(3);
        assertThat(got.get(0).isCancelAck()).isTrue();
        assertThat(got.get(0).requestId()).isEqualTo(1);
        assertThat(got.get(1).isCancelAck()).isTrue();
        assertThat(got.get(1).requestId()).isEqualTo(12345);
        assertThat(got.get(2).requestId()).isEqualTo(2);
        assertThat(got.get(2).isCancelAck()).isFalse();
    }

    @Test
    void everyRequestIsAnsweredExactlyOnceWhenDeadlinesRaceResults() {
        InProcessWorker w = start(Requests.testWorker().threads(2).maxQueue(500));
        int n = 300;
        for (int i = 1; i <= n; i++) {
            w.channel.send(Wire.MSGPACK, msgpack(i, "sleep", 2, Map.of("ms", 2, "cooperative", i % 2 == 0)));
        }
        List<ResponseEnvelope> got = w.channel.next(n);
        w.close();
        List<FrameChannel.Received> extra = w.channel.awaitEof(Duration.ofSeconds(WAIT_S));
        assertThat(extra).as("no second answer for any request").isEmpty();
        assertThat(got).extracting(ResponseEnvelope::requestId).doesNotHaveDuplicates().hasSize(n);
        assertThat(got).extracting(ResponseEnvelope::status).allMatch(s -> s == Status.OK || s == Status.TIMEOUT);
    }

    // ------------------------------------------------------------------ manifests

    @Test
    void manifestCodecsWinAndResultsAreTranscoded() {
        ExportsManifest manifest = ExportsManifest.parse(
                "{\"exports\":[{\"name\":\"list_items\",\"codec_in\":\"msgpack\",\"codec_out\":\"msgpack\"}]}"
                        .getBytes(StandardCharsets.UTF_8), "test");
        MoltWorker w = MoltWorker.builder().manifest(manifest).exports(DemoExports.exports(FakeDb.FREE)).build();
        assertThat(w.entries()).containsExactlyInAnyOrder("list_items", "compute", "offload_table", "health");
        FrameChannel c = start(MoltWorker.builder().manifest(manifest).exports(DemoExports.exports(FakeDb.FREE)))
                .channel;
        ResponseEnvelope r = c.call(msgpack(1, "list_items", 0, map("user_id", 7, "q", "ab", "limit", 3)));
        assertThat(r.status()).isEqualTo(Status.OK);
        assertThat(r.codec()).isEqualTo(Codec.MSGPACK);
        Object expected = Payloads.decode(Codec.JSON,
                DemoContract.listItemsJson(new ListItemsQuery(7, "ab", null, null, 3), FakeDb.FREE));
        assertThat(Requests.result(r)).isEqualTo(expected);
    }

    @Test
    void servedEntriesAreTheRegisteredExportsOnly() {
        MoltWorker derived = MoltWorker.builder().exports(DemoExports.exports(FakeDb.FREE)).build();
        assertThat(derived.entries()).containsExactlyInAnyOrder("list_items", "compute", "offload_table", "health");
        MoltWorker both = Requests.testWorker().build();
        assertThat(both.entries()).contains("list_items", "echo", "sleep", "touch").doesNotContain("db_query", "db_exec");
    }

    @Test
    void responseLargerThanTheFrameLimitBecomesInternalError() {
        FrameChannel c = start(Requests.testWorker().maxFrameBytes(400)).channel;
        byte[] big = new byte[300];
        ResponseEnvelope r = c.call(new RequestEnvelope(1, "echo", 0, Codec.RAW, big));
        assertThat(r.status()).isEqualTo(Status.INTERNAL_ERROR);
        assertThat(r.error()).contains("frame limit");
    }

    // ------------------------------------------------------------------ end of input, end of output

    @Test
    void endOfInputWithWorkInFlightAnswersItThenServeReturns() {
        InProcessWorker w = start();
        w.channel.send(Wire.MSGPACK, msgpack(1, "sleep", 0, Map.of("ms", 400)));
        w.channel.send(Wire.MSGPACK, msgpack(2, "sleep", 5_000, Map.of("ms", 300, "cooperative", true)));
        w.closeInput();
        List<ResponseEnvelope> got = w.channel.next(2);
        assertThat(got).extracting(ResponseEnvelope::status).containsOnly(Status.OK);
        assertThat(got).extracting(ResponseEnvelope::requestId).containsExactlyInAnyOrder(1L, 2L);
        w.awaitServeReturn(Duration.ofSeconds(WAIT_S));
        assertThat(w.channel.awaitEof(Duration.ofSeconds(WAIT_S))).isEmpty();
    }

    @Test
    void endOfInputWhileIdleReturnsPromptly() {
        InProcessWorker w = start();
        assertThat(w.channel.call(ping(1)).status()).isEqualTo(Status.OK);
        long t0 = System.nanoTime();
        w.closeInput();
        w.awaitServeReturn(Duration.ofSeconds(5));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000L);
    }

    @Test
    void stuckHandlerWithoutDeadlineIsAbandonedAfterTheDrainTimeout() throws Exception {
        InProcessWorker w = start(Requests.testWorker().drainTimeout(Duration.ofMillis(300)));
        w.channel.send(Wire.MSGPACK, msgpack(1, "block", 0, Map.of()));
        awaitStarted();
        w.closeInput();
        ResponseEnvelope r = w.channel.next();
        assertThat(r.status()).isEqualTo(Status.INTERNAL_ERROR);
        assertThat(r.error()).contains("shut down");
        w.awaitServeReturn(Duration.ofSeconds(WAIT_S));
    }

    @Test
    void lostClientEndsServe() throws Exception {
        InProcessWorker w = start();
        assertThat(w.channel.call(ping(1)).status()).isEqualTo(Status.OK);
        w.channel.send(Wire.MSGPACK, msgpack(2, "block", 0, Map.of()));
        awaitStarted();
        w.closeResponseReader();
        w.channel.send(Wire.MSGPACK, ping(3)); // its answer cannot be written
        w.awaitServeReturn(Duration.ofSeconds(WAIT_S));
    }

    @Test
    void concurrentCallsFromManyThreadsAllGetTheirAnswer() throws Exception {
        FrameChannel c = start(Requests.testWorker().threads(2).maxQueue(1000)).channel;
        int threads = 4;
        int perThread = 200;
        AtomicLong ids = new AtomicLong();
        Thread[] senders = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            senders[t] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    long id = ids.incrementAndGet();
                    c.send(id % 2 == 0 ? Wire.MSGPACK : Wire.JSON, msgpack(id, "compute", 0,
                            map("values", List.of(id, 1), "scale", 2)));
                }
            });
            senders[t].start();
        }
        for (Thread s : senders) {
            s.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        }
        List<ResponseEnvelope> got = c.next(threads * perThread);
        assertThat(got).extracting(ResponseEnvelope::requestId).doesNotHaveDuplicates();
        for (ResponseEnvelope r : got) {
            assertThat(r.status()).isEqualTo(Status.OK);
            assertThat(Requests.resultMap(r).get("sum")).isEqualTo(2.0 * (r.requestId() + 1));
        }
    }
}
