package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.ExportsManifest;
import dev.molt.accel.protocol.FrameMutator;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import dev.molt.accel.worker.demo.DemoExports;
import dev.molt.accel.worker.demo.FakeDb;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Hostile input: a worker fed generated and mutated frames answers each one it can read, never
 * sends an undecodable response, and still serves a ping afterwards.
 */
class WorkerFuzzTest {

    @Test
    void mutatedFramesNeverStopTheWorker() {
        int n = FrameMutator.defaultCount(100_000);
        FrameMutator mutator = new FrameMutator(0x5EED_0003L, true, false);
        MoltWorker worker = MoltWorker.builder()
                .threads(2)
                .maxQueue(64)
                .drainTimeout(Duration.ofSeconds(10))
                .manifest(ExportsManifest.defaults())
                .exports(DemoExports.exports(FakeDb.FREE))
                .export(Export.anyCodec("echo", byte[].class, (payload, ctx) -> payload))
                .build();
        try (InProcessWorker w = new InProcessWorker(worker)) {
            for (int i = 0; i < n; i++) {
                w.channel.sendRaw(mutator.nextFrame());
            }
            long pingId = Long.MIN_VALUE + 12345; // an id no mutation of the vectors produces
            w.channel.send(Wire.MSGPACK, RequestEnvelope.ping(pingId, 0));
            int frames = 0;
            while (true) {
                FrameChannel.Received r = w.channel.nextFrame();
                frames++;
                assertThat(r.response()).as("response frame %d decodes", frames).isNotNull();
                if (r.response().requestId() == pingId) {
                    assertThat(r.response().status()).isEqualTo(Status.OK);
                    assertThat(r.response().codec()).isEqualTo(Codec.RAW);
                    break;
                }
            }
            assertThat(frames).as("responses before the ping").isGreaterThan(n / 2);
            assertThat(w.serveReturned()).isFalse();
        }
    }
}
