package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.ServedExports;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import dev.molt.accel.test.worker.TestWorker;
import dev.molt.accel.worker.MoltWorker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** {@link MoltClient#exports} and safe rejection messages, against a worker process and in memory. */
class ExportsAndSafeMessagesTest {

    private static final Duration T = Duration.ofSeconds(20);
    private static final CallOptions SLOW = CallOptions.builder().timeout(T).build();

    @AfterAll
    static void nothingLeftBehind() {
        TestWorkers.assertNoChildren();
        TestWorkers.assertNoClientThreads();
    }

    @Test
    void aWorkerProcessListsItsExportsAndMarksSafeRejections() {
        try (MoltClient client = TestWorkers.testWorker().build()) {
            ServedExports served = client.exports(T).orElseThrow();
            assertThat(served.find("list_items")).contains(new ServedExports.Entry("list_items", Codec.MSGPACK, Codec.JSON));
            assertThat(served.find("reject")).isPresent();
            assertThat(served.find("echo").orElseThrow().accepts(Codec.JSON)).isTrue();
            assertThat(client.stats().calls()).as("a control question, like a ping").isZero();

            assertThatThrownBy(() -> client.call("reject", map("message", "quantity must be positive"), SLOW))
                    .isInstanceOfSatisfying(MoltInvalidInputException.class, e -> {
                        assertThat(e.safeMessage()).contains("quantity must be positive");
                        assertThat(e.getMessage()).isEqualTo("quantity must be positive");
                    });
            assertThatThrownBy(() -> client.call("invalid", map("message", "secret table t_users"), SLOW))
                    .isInstanceOfSatisfying(MoltInvalidInputException.class, e -> {
                        assertThat(e.safeMessage()).isEmpty();
                        assertThat(e.getMessage()).isEqualTo("secret table t_users");
                    });
            assertThatThrownBy(() -> client.call("no_such_entry", map(), SLOW))
                    .isInstanceOfSatisfying(MoltInvalidInputException.class,
                            e -> assertThat(e.safeMessage()).isEmpty());
        }
    }

    @Test
    void anInMemoryWorkerAnswersExportsToo() {
        MoltClientBuilder b = MoltClient.builder().closeTimeout(Duration.ofSeconds(2)).inMemoryWorker("test", (in, out) -> {
            MoltWorker.Builder w = MoltWorker.builder().drainTimeout(Duration.ofSeconds(1));
            TestWorker.configure(w);
            w.build().serve(in, out);
        });
        try (MoltClient client = b.build()) {
            assertThat(client.exports(T).orElseThrow().find("hang")).isPresent();
            assertThat(client.call("reply", map("value", 42), SLOW).value()).isEqualTo(42);
        }
    }

    @Test
    void aWorkerThatDoesNotKnowExportsCannotSay() {
        try (MoltClient client = MoltClient.builder().closeTimeout(Duration.ofSeconds(2))
                .inMemoryWorker("older worker", ExportsAndSafeMessagesTest::olderWorker).build()) {
            assertThat(client.exports(T)).isEmpty();
            assertThat(client.stats().workers()).isEqualTo(1);
        }
    }

    /** A worker of an older protocol revision: answers __ping__, and "Unknown entry" to anything else. */
    private static void olderWorker(InputStream in, OutputStream out) {
        try {
            byte[] body;
            while ((body = Frames.read(in, Frames.DEFAULT_MAX_FRAME_BYTES)) != null) {
                Wire wire = Envelopes.detectWire(body);
                RequestEnvelope r = Envelopes.decodeRequest(wire, body);
                ResponseEnvelope answer = r.entry().equals(Entries.PING)
                        ? ResponseEnvelope.ok(r.requestId(), Codec.RAW, new byte[0], Map.of())
                        : ResponseEnvelope.failure(r.requestId(), Status.INVALID_INPUT, r.codec(),
                                "Unknown entry '" + r.entry() + "'.", Map.of());
                out.write(Envelopes.encodeResponseFrame(wire, answer, Frames.DEFAULT_MAX_FRAME_BYTES));
                out.flush();
            }
        } catch (IOException e) {
            // the client broke the pipes while closing: this worker is done
        }
    }
}
