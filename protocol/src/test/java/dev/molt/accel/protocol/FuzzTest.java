package dev.molt.accel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Hostile input: generated and mutated frames never escape the defined errors, never hang and
 * never allocate past the frame limit.
 */
class FuzzTest {

    private static final int LIMIT = 1024 * 1024;

    @Test
    void mutatedRequestStreamsGiveOnlyDefinedErrors() {
        int n = FrameMutator.defaultCount(100_000);
        FrameMutator mutator = new FrameMutator(0x5EED_0001L, true, false);
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
            int decoded = 0;
            for (int i = 0; i < n; i++) {
                byte[] stream = mutator.nextStream();
                try {
                    byte[] body = Frames.read(new ByteArrayInputStream(stream), LIMIT);
                    assertThat(body).isNotNull();
                    RequestEnvelope r = Envelopes.decodeRequest(body);
                    decoded++;
                    if (!r.codec().isOpaque() && r.payload().length > 0) {
                        Payloads.decode(r.codec(), r.payload());
                    }
                } catch (EOFException | FrameTooLargeException | ProtocolException | PayloadException expected) {
                    // each of these is a defined, handled outcome
                } catch (Throwable t) {
                    throw new AssertionError("frame " + i + " escaped with " + t, t);
                }
            }
            assertThat(decoded).as("some mutations still decode").isPositive();
        });
    }

    @Test
    void mutatedResponseBodiesGiveOnlyDefinedErrors() {
        int n = FrameMutator.defaultCount(100_000);
        FrameMutator mutator = new FrameMutator(0x5EED_0002L, false, true);
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
            for (int i = 0; i < n; i++) {
                byte[] body = mutator.nextBody();
                try {
                    ResponseEnvelope r = Envelopes.decodeResponse(body);
                    if (r.payload() != null && !r.codec().isOpaque() && r.payload().length > 0) {
                        Payloads.decode(r.codec(), r.payload());
                    }
                } catch (ProtocolException | PayloadException expected) {
                    // defined outcome
                } catch (Throwable t) {
                    throw new AssertionError("body " + i + " escaped with " + t, t);
                }
            }
        });
    }

    @Test
    void announcedButMissingBodyIsNotAllocated() {
        // a 60 MiB announcement followed by 3 bytes: the reader fails without holding 60 MiB
        byte[] stream = {0, 0, (byte) 0xC0, 0x03, 1, 2, 3};
        long before = usedHeap();
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try {
                Frames.read(new ByteArrayInputStream(stream), Frames.DEFAULT_MAX_FRAME_BYTES);
                throw new AssertionError("expected EOF");
            } catch (EOFException expected) {
                // defined outcome
            }
        });
        assertThat(usedHeap() - before).isLessThan(32L * 1024 * 1024);
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
