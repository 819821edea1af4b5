package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltProtocolException;

/**
 * A worker answered in another codec than the export's {@code codec_out}: a protocol error (502),
 * logged at WARN once per method by {@link OffloadPlan#checkCodec}, so the per-answer log is DEBUG.
 */
final class CodecMismatchException extends MoltProtocolException {

    private static final long serialVersionUID = 1L;

    CodecMismatchException(String message, String entry, long requestId) {
        super(message, entry, requestId, null);
    }
}
