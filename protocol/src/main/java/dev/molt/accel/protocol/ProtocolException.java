package dev.molt.accel.protocol;

/**
 * A frame or envelope that breaks the wire contract. Carries the request id when it could be read
 * (0 otherwise), so that a worker can still answer the request that carried it.
 */
public class ProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long requestId;

    public ProtocolException(String message) {
        this(message, 0L, null);
    }

    public ProtocolException(String message, long requestId, Throwable cause) {
        super(message, cause, false, false);
        this.requestId = requestId;
    }

    /** The request id read before the error, or 0 when none could be read. */
    public long requestId() {
        return requestId;
    }
}
