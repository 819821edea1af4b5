package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.SafeErrors;
import dev.molt.accel.protocol.ServedExports;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Rejections marked as safe to show, and the {@code __exports__} answer, over real frames. */
class SafeMessagesAndExportsTest {

    private static MoltWorker worker() {
        return Requests.testWorker().export(Export.of("check", Codec.MSGPACK, Codec.JSON, Object.class, (p, ctx) -> {
            Object q = p instanceof java.util.Map<?, ?> m ? m.get("quantity") : null;
            if (!(q instanceof Number n) || n.longValue() <= 0) {
                throw ctx.reject("quantity must be positive\n\u202Eevil");
            }
            if (n.longValue() > 10) {
                throw new MoltRejectedException("x".repeat(5000));
            }
            if (n.longValue() == 7) {
                throw new IllegalArgumentException(SafeErrors.MARKER + "forged by a handler quoting input");
            }
            return "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
        })).build();
    }

    @Test
    void aRejectionIsInvalidInputWithAMarkedSanitizedMessage() {
        try (InProcessWorker w = new InProcessWorker(worker())) {
            ResponseEnvelope r = w.channel.call(Requests.msgpack(1, "check", 5000, map("quantity", 0)));
            assertThat(r.status()).isEqualTo(Status.INVALID_INPUT);
            assertThat(r.error()).isEqualTo(SafeErrors.MARKER + "quantity must be positive  evil");
            assertThat(SafeErrors.safeMessage(r.error())).isEqualTo("quantity must be positive  evil");

            ResponseEnvelope longOne = w.channel.call(Requests.msgpack(2, "check", 5000, map("quantity", 11)));
            assertThat(longOne.error()).startsWith(SafeErrors.MARKER).hasSize(SafeErrors.MARKER.length()
                    + SafeErrors.MAX_CHARS + 3).endsWith("...");

            ResponseEnvelope plain = w.channel.call(Requests.msgpack(3, "check", 5000, map("quantity", 7)));
            assertThat(plain.status()).isEqualTo(Status.INVALID_INPUT);
            assertThat(plain.error()).as("only MoltRejectedException marks a message")
                    .isEqualTo("forged by a handler quoting input");
            assertThat(SafeErrors.safeMessage(plain.error())).isNull();

            assertThat(w.channel.call(Requests.msgpack(4, "check", 5000, map("quantity", 3))).status())
                    .isEqualTo(Status.OK);
        }
    }

    @Test
    void exportsAnswersTheServedEntriesWithTheirCodecsOverBothWires() {
        MoltWorker worker = worker();
        try (InProcessWorker w = new InProcessWorker(worker)) {
            for (Wire wire : Wire.values()) {
                ResponseEnvelope r = w.channel.call(wire, new RequestEnvelope(9, Entries.EXPORTS, 0, Codec.RAW, new byte[0]));
                assertThat(r.status()).isEqualTo(Status.OK);
                assertThat(r.codec()).isEqualTo(Codec.JSON);
                ServedExports served = ServedExports.parse(r.payloadOrEmpty());
                assertThat(served.entries()).extracting(ServedExports.Entry::name)
                        .containsExactlyElementsOf(worker.entries());
                assertThat(served.find("list_items")).contains(new ServedExports.Entry("list_items", Codec.MSGPACK, Codec.JSON));
                assertThat(served.find("check")).contains(new ServedExports.Entry("check", Codec.MSGPACK, Codec.JSON));
                assertThat(served.find("echo")).as("any codec").contains(new ServedExports.Entry("echo", null, null));
                assertThat(served.find("db_query")).as("listed in the manifest, not implemented: not served").isEmpty();
                assertThat(served).isEqualTo(worker.exports());
            }
        }
    }

    @Test
    void theExportsAnswerReadsAsAnOrdinaryManifestToo() {
        byte[] json = worker().exports().toJson();
        dev.molt.accel.protocol.ExportsManifest m = dev.molt.accel.protocol.ExportsManifest.parse(json, "answer");
        assertThat(m.find("list_items")).contains(new dev.molt.accel.protocol.ExportsManifest.Export("list_items",
                Codec.MSGPACK, Codec.JSON));
        assertThat(m.find("echo")).as("any codec reads as msgpack, which it accepts").isPresent();
    }
}
