package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import dev.molt.accel.test.worker.HeadersWorker;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Request headers reach the handler as {@link MoltContext#headers()} and {@link MoltContext#traceId()}. */
class HeadersContextTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

    @Test
    void traceIdIsReadFromAValidVersionZeroTraceparentOnly() {
        assertThat(TraceParent.traceId(TRACEPARENT)).contains(TRACE_ID);
        assertThat(TraceParent.traceId("00-" + TRACE_ID + "-00f067aa0ba902b7-00")).contains(TRACE_ID);
        for (String bad : new String[] {null, "", "00", TRACEPARENT + "-extra", TRACEPARENT.toUpperCase(),
                "01-" + TRACE_ID + "-00f067aa0ba902b7-01", "ff-" + TRACE_ID + "-00f067aa0ba902b7-01",
                "00-" + "0".repeat(32) + "-00f067aa0ba902b7-01", "00-" + TRACE_ID + "-0000000000000000-01",
                "00-" + TRACE_ID + "-00f067aa0ba902b7-0g", "00_" + TRACE_ID + "-00f067aa0ba902b7-01",
                "00-" + TRACE_ID.substring(1) + "x-00f067aa0ba902b7-01", "x".repeat(100_000)}) {
            assertThat(TraceParent.traceId(bad)).as(String.valueOf(bad).substring(0, Math.min(60,
                    String.valueOf(bad).length()))).isEmpty();
        }
    }

    @Test
    void aHandlerSeesTheHeadersAndTheTraceIdOnBothWires() {
        MoltWorker.Builder b = MoltWorker.builder().threads(1).maxQueue(4);
        b.export(HeadersWorker.echoHeaders());
        try (InProcessWorker w = new InProcessWorker(b.build())) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("traceparent", TRACEPARENT);
            headers.put("x-correlation-id", "order-17");
            for (Wire wire : Wire.values()) {
                RequestEnvelope r = new RequestEnvelope(1, "echo_headers", 0, Codec.MSGPACK,
                        Payloads.encode(Codec.MSGPACK, Map.of()), headers);
                Map<String, Object> answer = Requests.resultMap(w.channel.call(wire, r));
                assertThat(answer).containsEntry("headers", headers).containsEntry("trace_id", TRACE_ID);
            }
            // no headers: an empty map and no trace id
            Map<String, Object> none = Requests.resultMap(w.channel.call(Requests.msgpack(2, "echo_headers", 0,
                    Map.of())));
            assertThat(none).containsEntry("headers", Map.of()).containsEntry("trace_id", null);
            // a malformed traceparent: the headers as sent, no trace id
            RequestEnvelope bad = new RequestEnvelope(3, "echo_headers", 0, Codec.MSGPACK,
                    Payloads.encode(Codec.MSGPACK, Map.of()), Map.of("traceparent", "00-nope"));
            assertThat(Requests.resultMap(w.channel.call(bad))).containsEntry("trace_id", null)
                    .containsEntry("headers", Map.of("traceparent", "00-nope"));
        }
    }

    @Test
    void tooManyHeadersAreAnsweredInvalidInputWithTheRequestId() {
        MoltWorker.Builder b = MoltWorker.builder().threads(1).maxQueue(4);
        b.export(HeadersWorker.echoHeaders());
        try (InProcessWorker w = new InProcessWorker(b.build())) {
            StringBuilder json = new StringBuilder("{\"request_id\":9,\"entry\":\"echo_headers\",\"timeout_ms\":0,"
                    + "\"codec\":\"msgpack\",\"headers\":{");
            for (int i = 0; i < 33; i++) {
                json.append(i == 0 ? "" : ",").append("\"h").append(i).append("\":\"v\"");
            }
            json.append("}}");
            byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
            byte[] frame = new byte[Frames.HEADER_BYTES + body.length];
            System.arraycopy(body, 0, frame, Frames.HEADER_BYTES, body.length);
            w.channel.sendRaw(Frames.sealFrame(frame, Frames.DEFAULT_MAX_FRAME_BYTES));
            ResponseEnvelope r = w.channel.next();
            assertThat(r.requestId()).isEqualTo(9);
            assertThat(r.status()).isEqualTo(Status.INVALID_INPUT);
            assertThat(r.error()).startsWith("Invalid request: headers has more than 32 entries");
            // the worker goes on serving
            assertThat(Requests.resultMap(w.channel.call(Requests.msgpack(10, "echo_headers", 0, Map.of()))))
                    .containsEntry("headers", Map.of());
        }
    }

    @Test
    void aContextWithoutHeadersSupportHasNone() {
        MoltContext plain = new MoltContext() {
            public long requestId() { return 1; }
            public String entry() { return "e"; }
            public Codec requestCodec() { return Codec.RAW; }
            public Codec responseCodec() { return Codec.RAW; }
            public boolean hasDeadline() { return false; }
            public long deadlineNanos() { return 0; }
            public long remainingNanos() { return Long.MAX_VALUE; }
            public boolean isCancelled() { return false; }
            public void throwIfCancelled() { }
            public void putMetric(String key, long value) { }
            public void putMetric(String key, String value) { }
        };
        assertThat(plain.headers()).isEmpty();
        assertThat(plain.traceId()).isEqualTo(Optional.empty());
    }
}
