package dev.molt.accel.protocol;

import java.io.IOException;

/**
 * A frame length prefix above the configured limit. The stream cannot be resynchronised after it,
 * so it ends the stream (PROTOCOL.md section 9).
 */
public final class FrameTooLargeException extends IOException {

    private static final long serialVersionUID = 1L;

    private final long length;
    private final int limit;

    public FrameTooLargeException(long length, int limit) {
        super("Frame length " + length + " exceeds the limit of " + limit + " bytes");
        this.length = length;
        this.limit = limit;
    }

    /** The length the prefix announced, as an unsigned value. */
    public long length() {
        return length;
    }

    /** The limit in force. */
    public int limit() {
        return limit;
    }
}
