package dev.molt.accel.protocol;

import java.util.Map;

/**
 * Envelope fields as one wire's reader found them, before {@link Envelopes} validates them. Used by
 * one decoding call on one thread, then dropped.
 */
final class EnvelopeFields {
    Long requestId;
    String entry;
    Long timeoutMs;
    String codec;
    byte[] payload;
    Map<String, String> headers;
    String status;
    String error;
    Map<String, Object> metrics;
    Long compiled;

    /** The request id for an error message: 0 until it was read. */
    long idOrZero() {
        return requestId == null ? 0L : requestId;
    }
}
