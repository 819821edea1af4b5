package dev.molt.accel.client;

import dev.molt.accel.protocol.Status;

/**
 * The error codes of failed calls (PROTOCOL.md section 11), as used in HTTP error bodies, metrics
 * tags and listener outcomes, each tied to the protocol {@link Status} it mirrors ({@code null} for
 * failures no worker reports). Immutable.
 */
public enum MoltErrorCode {

    /** The worker's queue was full; it did not run the request: safe to retry. */
    BUSY("MoltBusy", Status.BUSY),
    /** The call's deadline passed, on the client or in the worker. */
    TIMEOUT("MoltTimeout", Status.TIMEOUT),
    /** The call was cancelled (by its caller, an interrupt, a cancel check or the worker). */
    CANCELLED("MoltCancelled", Status.CANCELLED),
    /** The worker rejected the request. */
    INVALID_INPUT("MoltInvalidInput", Status.INVALID_INPUT),
    /** The worker's handler failed. */
    INTERNAL_ERROR("MoltInternalError", Status.INTERNAL_ERROR),
    /** The worker sent something that is not the protocol. */
    PROTOCOL_ERROR("MoltProtocolError", null),
    /** No worker could take the call (it died, could not start, or the client is closed). */
    WORKER_UNAVAILABLE("MoltWorkerUnavailable", null);

    private final String code;
    private final Status status;

    MoltErrorCode(String code, Status status) {
        this.code = code;
        this.status = status;
    }

    /** The code as written on the wire of HTTP bodies and tags, such as {@code MoltBusy}. */
    public String code() {
        return code;
    }

    /** The protocol status it mirrors, or {@code null}. */
    public Status status() {
        return status;
    }

    /** The code a worker's failure status maps to; {@code null} for {@link Status#OK}. */
    public static MoltErrorCode of(Status status) {
        for (MoltErrorCode c : values()) {
            if (c.status == status) {
                return c;
            }
        }
        return null;
    }

    /** The constant whose {@link #code()} is {@code code}, or {@code null}. */
    public static MoltErrorCode fromCode(String code) {
        for (MoltErrorCode c : values()) {
            if (c.code.equals(code)) {
                return c;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return code;
    }
}
