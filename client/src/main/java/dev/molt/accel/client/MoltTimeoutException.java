package dev.molt.accel.client;

import dev.molt.accel.protocol.Status;

/**
 * The call passed its deadline, on the client or in the worker. The request may have run in part: retry only idempotent calls.
 */
public class MoltTimeoutException extends MoltAccelException {

    private static final long serialVersionUID = 1L;

    public MoltTimeoutException(String message, String entry, long requestId, Throwable cause) {
        super(message, entry, requestId, Status.TIMEOUT, cause);
    }

    @Override
    public String errorCode() {
        return MoltErrorCode.TIMEOUT.code();
    }

    @Override
    public boolean isRetrySafe() {
        return false;
    }
}
