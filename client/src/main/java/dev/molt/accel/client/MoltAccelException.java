package dev.molt.accel.client;

import dev.molt.accel.protocol.Status;

/**
 * Base of every failure of a worker call. Carries the entry, the request id (0 when the request
 * never got one) and the protocol {@link Status} it mirrors ({@code null} for failures that no
 * worker reported, such as a dead process). Subclasses say whether a retry is safe.
 */
public abstract class MoltAccelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String entry;
    private final long requestId;
    private final transient Status status;

    protected MoltAccelException(String message, String entry, long requestId, Status status, Throwable cause) {
        super(message, cause);
        this.entry = entry;
        this.requestId = requestId;
        this.status = status;
    }

    /** The entry called, or {@code null} when the failure is not tied to one call. */
    public String entry() {
        return entry;
    }

    /** The request id on the wire, or 0 when the request was not sent. */
    public long requestId() {
        return requestId;
    }

    /** The protocol status this failure mirrors, or {@code null} when no worker reported one. */
    public Status status() {
        return status;
    }

    /**
     * The error code used in HTTP error bodies and metrics tags (PROTOCOL.md section 11), such as
     * {@code MoltBusy}.
     */
    public abstract String errorCode();

    /** {@link #errorCode()} as the enum constant. */
    public MoltErrorCode code() {
        return MoltErrorCode.fromCode(errorCode());
    }

    /**
     * Whether sending the same request again cannot run it twice: true only when the worker is
     * known not to have run it ({@link MoltBusyException}).
     */
    public abstract boolean isRetrySafe();
}
