package dev.molt.accel.spring.actuator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The failure reasons the endpoint shows: the head of a reason only, bounded, no control characters. */
class MoltEndpointTests {

    @Test
    void aReasonKeepsItsHeadOnly() {
        assertThat(MoltEndpoint.safeReason("Worker exited with code 1 before answering __ping__: Error: "
                + "/opt/app/secret.key not found\nat line 2")).isEqualTo("Worker exited with code 1 before answering __ping__");
        assertThat(MoltEndpoint.safeReason("missed a health probe")).isEqualTo("missed a health probe");
        assertThat(MoltEndpoint.safeReason("first line\nsecond: detail")).isEqualTo("first line");
        assertThat(MoltEndpoint.safeReason("bell\u0007 and tab\t")).isEqualTo("bell? and tab?");
        String huge = MoltEndpoint.safeReason("x".repeat(1_000_000));
        assertThat(huge).hasSize(MoltEndpoint.REASON_CHARS);
    }
}
