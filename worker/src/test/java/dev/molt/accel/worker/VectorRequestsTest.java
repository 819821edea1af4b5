package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.SharedVectors;
import dev.molt.accel.protocol.SharedVectors.EnvelopeVector;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.worker.demo.DemoContract;
import dev.molt.accel.worker.demo.FakeDb;
import dev.molt.accel.worker.demo.ListItemsQuery;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every reference request frame, sent byte for byte to a worker serving the demo and test exports. */
class VectorRequestsTest {

    static List<EnvelopeVector> requestVectors() {
        List<EnvelopeVector> v = SharedVectors.envelopes().stream().filter(e -> e.kind().equals("request")).toList();
        assertThat(v).isNotEmpty();
        return v;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestVectors")
    void workerAnswersTheReferenceRequest(EnvelopeVector v) {
        RequestEnvelope request = Envelopes.decodeRequest(v.wire(), v.body());
        try (InProcessWorker w = new InProcessWorker(Requests.testWorker().build())) {
            w.channel.sendRaw(v.frame());
            FrameChannel.Received frame = w.channel.nextFrame();
            assertThat(frame.wire()).as("answered in the request's wire").isEqualTo(v.wire());
            ResponseEnvelope r = frame.ok();
            assertThat(r.requestId()).isEqualTo(request.requestId());
            String kind = v.name().split("/")[1];
            switch (kind) {
                case "ping" -> {
                    assertThat(r.status()).isEqualTo(Status.OK);
                    assertThat(r.codec()).isEqualTo(Codec.RAW);
                    assertThat(r.payloadOrEmpty()).isEmpty();
                }
                case "list_items_msgpack", "unicode_entry_payload" -> {
                    assertThat(r.status()).as(r.toString()).isEqualTo(Status.OK);
                    assertThat(r.codec()).isEqualTo(Codec.JSON);
                    ListItemsQuery q = ListItemsQuery.fromPayload(
                            Payloads.decode(Codec.MSGPACK, request.payload(), Object.class));
                    assertThat(new String(r.payload(), StandardCharsets.UTF_8))
                            .isEqualTo(new String(DemoContract.listItemsJson(q, FakeDb.FREE), StandardCharsets.UTF_8));
                    assertThat(r.metrics()).containsEntry("db_row_count", (long) q.limit()).containsEntry("db_tag", "fake");
                    if (kind.equals("unicode_entry_payload")) {
                        // user 42, q "café ☃" (6 code points), status "open", cursor "c:1"
                        Map<String, Object> result = Requests.resultMap(r);
                        assertThat(((List<?>) result.get("items"))).hasSize(3);
                        assertThat(((Map<?, ?>) ((List<?>) result.get("items")).get(0)).get("id")).isEqualTo(42013);
                        assertThat(result.get("next_cursor")).isEqualTo("42:3");
                    }
                }
                case "compute_json" -> {
                    assertThat(r.status()).isEqualTo(Status.INVALID_INPUT);
                    assertThat(r.error()).contains("compute").contains("msgpack").contains("json");
                    assertThat(r.payload()).isNull();
                }
                case "cancel" -> {
                    assertThat(r.isCancelAck()).isTrue();
                    assertThat(r.entry()).isEqualTo(Entries.CANCEL);
                    assertThat(r.status()).isEqualTo(Status.OK);
                    assertThat(r.codec()).isEqualTo(Codec.RAW);
                }
                case "big_request_id" -> {
                    assertThat(r.requestId()).isEqualTo(1099511627781L);
                    assertThat(r.status()).isEqualTo(Status.OK);
                    assertThat(r.codec()).isEqualTo(Codec.JSON);
                    assertThat(r.payload()).isEqualTo(request.payload());
                }
                default -> throw new AssertionError("No expectation for vector " + v.name() + ": add one");
            }
            if (r.status() == Status.OK && !r.isCancelAck() && !kind.equals("ping")) {
                assertThat(r.metrics()).containsKeys("decode_us", "queue_us", "queue_ms", "queue_depth",
                        "payload_bytes", "handler_us", "exec_us", "exec_ms");
                assertThat(r.metrics().get("payload_bytes")).isEqualTo((long) request.payload().length);
            }
            // nothing else was answered: the next answer is the ping's
            w.channel.sendRaw(Envelopes.encodeRequestFrame(v.wire(), Requests.ping(77), Integer.MAX_VALUE));
            assertThat(w.channel.next().requestId()).isEqualTo(77);
        }
    }
}
